package pvesim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOldLxcPveBreaksPatchedRunc models the November 2025 breakage: runc
// with the CVE-2025-52881 fix (Ubuntu 24.04's 1.3.3) cannot start a
// container inside an unprivileged LXC container on a host whose lxc-pve
// predates 6.0.5-2, and compose up fails with runc's message. The same
// container starts on an up-to-date host, a privileged container starts on
// the old host, and an unpatched runc (Alpine 3.22's 1.2.6) starts there.
func TestOldLxcPveBreaksPatchedRunc(t *testing.T) {
	const file = "services:\n  web:\n    image: nginx:1.27\n"
	up := func(sim *Simulator, vmid int, release, install string, extra url.Values) (int, string) {
		t.Helper()
		if extra.Get("unprivileged") == "1" {
			createCT(t, sim, "pve1", vmid, url.Values{"start": {"1"}})
		} else {
			// A privileged container without feature flags: those are root@pam's to set there.
			r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {itoa(vmid)}, "start": {"1"}, "unprivileged": {"0"},
				"ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"}, "rootfs": {"local-lvm:4"}})
			if r.Status != 200 || waitTask(t, sim, mustString(t, data(r))) != "OK" {
				t.Fatalf("create privileged CT %d: %d %s", vmid, r.Status, r.Raw)
			}
		}
		var out strings.Builder
		if code, _ := sim.RunOnNode(context.Background(), "pve1", "pct exec "+itoa(vmid)+" -- sh -c 'cat > /etc/os-release'",
			strings.NewReader(testOSReleases[release]), &out, &out); code != 0 {
			t.Fatalf("os-release: %s", out.String())
		}
		if code, o, e := inCT(t, sim, vmid, install+" && mkdir -p /opt/app && cat > /opt/app/compose.yaml", file); code != 0 {
			t.Fatalf("install: %d %s %s", code, o, e)
		}
		code, _, errOut := inCT(t, sim, vmid, "docker compose -f /opt/app/compose.yaml up -d", "")
		return code, errOut
	}
	const ubuntu = "apt-get update && apt-get install -y docker.io docker-compose-v2"
	const alpine = "apk add docker docker-cli-compose && rc-update add docker default && service docker start"
	unpriv, priv := url.Values{"unprivileged": {"1"}}, url.Values{"unprivileged": {"0"}}

	old := startSim(t, Options{Nodes: 1, LXCPveVersion: "6.0.5-1"})
	code, errOut := up(old, 101, "ubuntu-24.04", ubuntu, unpriv)
	if code != 1 || !strings.Contains(errOut, "error during container init: "+runcSysctlError+": unknown") {
		t.Errorf("patched runc on an old host: %d %q", code, errOut)
	}
	if code, out, _ := inCT(t, old, 101, "docker ps -a --format '{{.State}}'", ""); code != 0 || strings.TrimSpace(out) != "created" {
		t.Errorf("the container after the failed start: %d %q", code, out)
	}
	if code, errOut := up(old, 102, "ubuntu-24.04", ubuntu, priv); code != 0 {
		t.Errorf("privileged container on an old host: %d %q", code, errOut)
	}
	if code, errOut := up(old, 103, "alpine-3.22", alpine, unpriv); code != 0 {
		t.Errorf("unpatched runc on an old host: %d %q", code, errOut)
	}
	var out strings.Builder
	code, _ = old.RunOnNode(context.Background(), "pve1", "pveversion -v", nil, &out, &out)
	if code != 0 || !strings.Contains(out.String(), "\nlxc-pve: 6.0.5-1\n") {
		t.Errorf("pveversion -v: %q", out.String())
	}

	current := startSim(t, Options{Nodes: 1})
	if code, errOut := up(current, 101, "ubuntu-24.04", ubuntu, unpriv); code != 0 {
		t.Errorf("patched runc on an up-to-date host: %d %q", code, errOut)
	}
}

// TestDebianVersionOrder pins dpkg's ordering (lib/dpkg/version.c) on the
// versions the check compares, and runc's fixed releases.
func TestDebianVersionOrder(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"6.0.5-1", "6.0.5-2", -1}, {"6.0.5-2", "6.0.5-2", 0}, {"6.0.5-10", "6.0.5-2", 1}, {"6.0.0-1", "6.0.5-2", -1},
		{"6.0.5~rc1-1", "6.0.5-1", -1}, {"1:1.0-1", "6.0.5-2", 1}, {"6.0.5-2+pve1", "6.0.5-2", 1}, {"6.0.5a-1", "6.0.5-1", 1},
	} {
		if got := compareDebianVersions(c.a, c.b); got != c.want {
			t.Errorf("compare %s %s = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for v, fixed := range map[string]bool{
		"1.3.3-0ubuntu1~24.04.3": true, "1.2.6-r0": false, "1.2.8-r0": true, "1.1.5+ds1-1+deb12u1": false,
		"1.1.15+ds1-2+b4": false, "1.4.0~rc.3+ds1-1": true, "1.3.2-1": false, "2.0.0": true,
	} {
		if got := runcHasCVE202552881Fix(v); got != fixed {
			t.Errorf("runc %s fixed = %v, want %v", v, got, fixed)
		}
	}
}
