package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

func TestCommunityRepository(t *testing.T) {
	for _, tc := range []struct {
		repos, line string
		present     bool
		err         string
	}{
		{"http://dl-cdn.alpinelinux.org/alpine/v3.22/main\nhttp://dl-cdn.alpinelinux.org/alpine/v3.22/community\n",
			"http://dl-cdn.alpinelinux.org/alpine/v3.22/community", true, ""},
		// setup-apkrepos leaves community commented out.
		{"https://mirror.example/alpine/v3.21/main/\n#https://mirror.example/alpine/v3.21/community\n",
			"https://mirror.example/alpine/v3.21/community", false, ""},
		{"@edge https://dl-cdn.alpinelinux.org/alpine/edge/community\nhttps://dl-cdn.alpinelinux.org/alpine/v3.22/main\n",
			"https://dl-cdn.alpinelinux.org/alpine/v3.22/community", false, ""},
		{"# nothing\n", "", false, "has neither a community nor a main repository line"},
	} {
		line, present, err := communityRepository(tc.repos)
		if line != tc.line || present != tc.present || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %q %v %v, want %q %v %q", tc.repos, line, present, err, tc.line, tc.present, tc.err)
		}
	}
}

// alpineWithRepositories is a started Alpine 3.22 container whose
// /etc/apk/repositories is repos.
func alpineWithRepositories(t *testing.T, d *Service, vmid int, repos string) {
	t.Helper()
	ctx := context.Background()
	yes := true
	if err := d.Client.CreateContainer(ctx, "pve1", vmid, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:4"}, Start: true,
		ContainerSettings: pveclient.ContainerSettings{Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
			Features: &pveclient.ContainerFeatures{Nesting: &yes}, Unprivileged: &yes},
	}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := d.Nodes.Run(ctx, "pve1", PctExecScript(vmid, "cat > "+apkRepositories), strings.NewReader(repos))
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("writing %s: %v %s", apkRepositories, err, res.Stderr)
	}
}

// TestAlpineWithoutCommunityGetsIt: on a template that lists only main,
// `apk add docker` would fail ("docker (no such package)", see the
// simulator's TestApkOnlyInstallsFromEnabledRepositories); the runtime step
// adds the community line of the same mirror and branch, once, and Docker
// and compose install from it.
func TestAlpineWithoutCommunityGetsIt(t *testing.T) {
	d, _ := newService(t)
	alpineWithRepositories(t, d, 140, "https://mirror.example/alpine/v3.22/main\n")
	tool, err := d.installRuntime(context.Background(), "pve1", 140)
	if err != nil {
		t.Fatal(err)
	}
	if tool.String() != "docker compose 2.36.2" {
		t.Errorf("compose %q", tool)
	}
	out, _ := inApp(t, d, App{Node: "pve1", VMID: 140}, "cat", apkRepositories)
	if out != "https://mirror.example/alpine/v3.22/main\nhttps://mirror.example/alpine/v3.22/community\n" {
		t.Errorf("%s now:\n%s", apkRepositories, out)
	}
}

// TestAlpineWithoutAnyRepositoryLineSaysSo: nothing to derive community
// from; the error names the file and what to add, before apk runs.
func TestAlpineWithoutAnyRepositoryLineSaysSo(t *testing.T) {
	d, _ := newService(t)
	alpineWithRepositories(t, d, 141, "# repositories removed\n")
	_, err := d.installRuntime(context.Background(), "pve1", 141)
	if err == nil || !strings.Contains(err.Error(), "/etc/apk/repositories has neither a community nor a main repository line") ||
		!strings.Contains(err.Error(), "/v3.22/community") {
		t.Fatalf("got %v", err)
	}
}
