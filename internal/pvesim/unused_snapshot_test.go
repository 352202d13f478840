package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// write_pct_config (pve-container stable-bookworm src/PVE/LXC/Config.pm)
// drops an unusedN only when get_vm_volumes of the config itself (rootfs and
// mpN, not the snapshot sections) mounts its volume. A volume that was
// detached after a snapshot and that the snapshot still mounts stays listed
// as unused0 through every later write of the config.
func TestUnusedVolumeUsedBySnapshotIsKept(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"mp0": {"local-lvm:1,mp=/data"}})
	cfg := ctConfig(t, sim, "pve1", 101)
	mp0 := mustString(t, cfg["mp0"])
	volid, _, _ := strings.Cut(mp0, ",")
	conf := onNode(t, sim, "pve1", "cat /etc/pve/lxc/101.conf")
	var main []string
	for _, line := range strings.Split(strings.TrimSuffix(conf, "\n"), "\n") {
		if !strings.HasPrefix(line, "mp0:") {
			main = append(main, line)
		}
	}
	text := strings.Join(main, "\n") + "\nparent: before\nunused0: " + volid + "\n\n[before]\n" + strings.TrimSuffix(conf, "\n") +
		"\nsnaptime: 1764000000\n"
	onNode(t, sim, "pve1", "cat > /etc/pve/lxc/101.conf <<'EOF'\n"+text+"EOF\n")
	if got := ctConfig(t, sim, "pve1", 101)["unused0"]; got != volid {
		t.Fatalf("unused0 as read from the file: %v, want %s", got, volid)
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"description": {"kept"}}); r.Status != 200 {
		t.Fatalf("PUT config: %d %s", r.Status, r.Raw)
	}
	if got := ctConfig(t, sim, "pve1", 101)["unused0"]; got != volid {
		t.Errorf("unused0 after a config write: %v, want %s (the snapshot's mp0 still uses it)", got, volid)
	}
	if written := onNode(t, sim, "pve1", "cat /etc/pve/lxc/101.conf"); !strings.Contains(written, "\nunused0: "+volid+"\n") {
		t.Errorf("config file lost unused0:\n%s", written)
	}
}
