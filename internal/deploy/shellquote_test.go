package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// hostile are values an app's environment may hold.
var hostile = []string{
	"plain", "two words", `it's`, `"double"`, "$HOME", "${PATH}", "`id`", "$(id)", `back\slash`, "new\nline",
	"tab\there", "semi;colon", "a&b|c", "glob*?[x]", "~user", "#comment", "", "'", `'\''`, "ünïcödé ✓", "-n",
}

func TestQuoteRoundTripsThroughAShell(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{})
	info := sim.Info()
	client, _ := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err := client.CreateContainer(context.Background(), "pve1", 101, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:2"}, Start: true,
		ContainerSettings: pveclient.ContainerSettings{Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, v := range hostile {
		// Through SSH to the node's shell, pct, and the container's shell: printf prints the argument as is.
		res, err := r.Run(context.Background(), "pve1", PctExec(101, "printf", "%s", v), nil)
		if err != nil || res.ExitCode != 0 || res.Stdout != v {
			t.Errorf("%q came back as %q (exit %d, %v, %s)", v, res.Stdout, res.ExitCode, err, res.Stderr)
		}
		// And as an argument of a script run by sh -c inside the container.
		res, err = r.Run(context.Background(), "pve1", PctExecScript(101, "printf %s "+Quote(v)), nil)
		if err != nil || res.Stdout != v {
			t.Errorf("script: %q came back as %q (%v, %s)", v, res.Stdout, err, res.Stderr)
		}
	}
}

func TestQuoteLeavesSafeWordsAlone(t *testing.T) {
	got := Command("pct", "exec", "101", "--", "docker", "compose", "-f", "/opt/app/compose.yaml", "up", "-d")
	if got != "pct exec 101 -- docker compose -f /opt/app/compose.yaml up -d" {
		t.Errorf("got %q", got)
	}
	if got := Quote("a b"); got != "'a b'" {
		t.Errorf("got %q", got)
	}
	if !strings.HasPrefix(Quote(""), "'") {
		t.Error("the empty string must be quoted")
	}
}
