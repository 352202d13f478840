package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostnameChangeWaitsForStart pins what a new hostname does to a
// container: the config changes at once (pve-container
// src/PVE/LXC/Config.pm $LXC_FASTPLUG_OPTIONS, vmconfig_hotplug_pending),
// the running system and its /etc/hostname keep the old name, and the next
// start writes the new one into /etc/hostname and PVE's section of
// /etc/hosts (PVE::LXC::Setup::Base pre_start_hook -> set_hostname,
// update_etc_hosts). Root inside may rename the running system.
func TestHostnameChangeWaitsForStart(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"old"}, "start": {"1"}})
	inside := func(cmd string) string {
		t.Helper()
		code, out := runInCT(t, sim, "pve1", "pct exec 100 -- sh -c '"+cmd+"'")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, code, out)
		}
		return strings.TrimSpace(out)
	}
	if got := inside("hostname; cat /etc/hostname"); got != "old\nold" {
		t.Fatalf("after the start: %q", got)
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"hostname": {"new"}}); r.Status != 200 {
		t.Fatalf("rename: %d %s", r.Status, r.Raw)
	}
	if got := mustString(t, ctConfig(t, sim, "pve1", 100)["hostname"]); got != "new" {
		t.Errorf("config hostname %q, want new at once", got)
	}
	if got := inside("hostname; cat /etc/hostname"); got != "old\nold" {
		t.Errorf("running container after the rename: %q, want the old name until the next start", got)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/reboot", nil); st != "OK" {
		t.Fatalf("reboot: %s", st)
	}
	if got := inside("hostname; cat /etc/hostname"); got != "new\nnew" {
		t.Errorf("after the next start: %q", got)
	}
	section := "# --- BEGIN PVE ---\n127.0.0.1 localhost.localnet localhost\n::1 localhost.localnet localhost\n127.0.1.1 new\n# --- END PVE ---"
	if got := inside("cat /etc/hosts"); !strings.Contains(got, section) {
		t.Errorf("/etc/hosts after the next start:\n%s", got)
	}
	if got := inside("hostname other && hostname"); got != "other" {
		t.Errorf("hostname set inside: %q", got)
	}
}

// TestCreateWritesKeysInPVESection: a create's ssh-public-keys land in
// root's authorized_keys inside PVE's marked section, the file with mode
// 0700 and ~/.ssh with 0700 (PVE::LXC::Setup::Base
// set_user_authorized_ssh_keys -> ct_modify_file with perms => 0700).
func TestCreateWritesKeysInPVESection(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx test"
	createCT(t, sim, "pve1", 100, url.Values{"ssh-public-keys": {key}, "start": {"1"}})
	code, out := runInCT(t, sim, "pve1", "pct exec 100 -- sh -c 'cat /root/.ssh/authorized_keys; stat -c %a /root/.ssh /root/.ssh/authorized_keys'")
	if want := "# --- BEGIN PVE ---\n" + key + "\n# --- END PVE ---\n700\n700\n"; code != 0 || out != want {
		t.Errorf("exit %d:\n%s\nwant\n%s", code, out, want)
	}
}

// TestNetHotplugUnknownBridge: moving net0 of a running container to a
// bridge the node lacks fails as update_net does (pve-container
// src/PVE/LXC.pm update_net -> net_tap_plug -> pve-common
// PVE::Network::tap_plug: "bridge '...' is neither a linux nor an OVS
// bridge!", reported by vmconfig_hotplug_pending as "unable to hotplug
// net0"), and update_vm writes nothing; a stopped container takes it (the
// start fails then), and an existing bridge is hot-plugged keeping the MAC.
func TestNetHotplugUnknownBridge(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	before := mustString(t, ctConfig(t, sim, "pve1", 100)["net0"])
	hwaddr := propertyValue(before, "hwaddr")
	moved := "name=eth0,bridge=vmbr9,hwaddr=" + hwaddr + ",ip=dhcp,type=veth"
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"net0": {moved}})
	if r.Status != 400 || !strings.Contains(r.Raw, "unable to hotplug net0: bridge 'vmbr9' is neither a linux nor an OVS bridge!") {
		t.Errorf("running: %d %s", r.Status, r.Raw)
	}
	if got := mustString(t, ctConfig(t, sim, "pve1", 100)["net0"]); got != before {
		t.Errorf("net0 after the failed hotplug %q, want %q", got, before)
	}
	createCT(t, sim, "pve1", 101, nil)
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"net0": {"name=eth0,bridge=vmbr9,ip=dhcp"}}); r.Status != 200 {
		t.Errorf("stopped: %d %s", r.Status, r.Raw)
	}
}
