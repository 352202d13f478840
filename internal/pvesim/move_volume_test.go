package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// move_volume to a storage with delete=1 frees the old volume with
// vdisk_free, and when that fails (a template's base volume a linked clone
// still uses) the failure is only a warning and the old volume stays in the
// config as unusedN (pve-container src/PVE/API2/LXC.pm move_volume,
// $storage_realcmd: "warn $@ if $@" and add_unused_volume if !$removed;
// pve-storage src/PVE/Storage.pm vdisk_free's "still in use by linked
// clones"). The clone keeps its base. On ZFS, where clones name their base
// (ZFSPoolPlugin.pm clone_image: "$basename/$name").
func TestMoveVolumeDeleteKeepsABaseInUse(t *testing.T) {
	sim := zfsTemplateWithLinkedClone(t)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}, "storage": {"zfs"}, "delete": {"1"}})
	if r.Status != 200 {
		t.Fatalf("move_volume: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if st := waitTask(t, sim, upid); st != "WARNINGS: 1" {
		t.Errorf("status %q, want WARNINGS: 1", st)
	}
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log, "WARN: base volume 'basevol-100-disk-0' is still in use by linked clones") {
		t.Errorf("task log:\n%s", log)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["unused0"] != "zfs:basevol-100-disk-0" || strings.HasPrefix(mustString(t, cfg["rootfs"]), "zfs:basevol-100-disk-0,") {
		t.Errorf("template config: %v", cfg)
	}
	sim.mu.Lock()
	base := sim.volumeOf(sim.nodeByName("pve1"), "zfs:basevol-100-disk-0")
	sim.mu.Unlock()
	if base == nil {
		t.Error("the base volume the clone uses was freed")
	}
}

// Deleting unusedN runs delete_mountpoint_volume (src/PVE/LXC.pm): only a
// volume the container owns is freed ("ignore deletion of '...', CT N isn't
// the owner!" is a warning, the entry still goes), and vdisk_free's refusal
// of a base volume in use keeps the entry, with
// vmconfig_apply_pending's "unable to apply pending change <opt> : <error>"
// raised as a parameter error (src/PVE/LXC/Config.pm, API2/LXC/Config.pm
// update_vm: raise_param_exc($errors)).
func TestDeleteUnusedVolumeChecksOwnerAndBase(t *testing.T) {
	sim := zfsTemplateWithLinkedClone(t)
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume",
		url.Values{"volume": {"rootfs"}, "storage": {"zfs"}, "delete": {"1"}}); st != "WARNINGS: 1" {
		t.Fatalf("move_volume: %s", st)
	}
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"unused0"}})
	if want := "unable to apply pending change unused0 : base volume 'basevol-100-disk-0' is still in use by linked clones"; r.Status != 400 ||
		!strings.Contains(r.Raw, want) {
		t.Errorf("delete unused0: %d %s, want 400 with %q", r.Status, r.Raw, want)
	}
	if cfg := ctConfig(t, sim, "pve1", 100); cfg["unused0"] != "zfs:basevol-100-disk-0" {
		t.Errorf("unused0 after the refused delete: %v", cfg["unused0"])
	}

	clonedDisk := strings.SplitN(mustString(t, ctConfig(t, sim, "pve1", 101)["rootfs"]), ",", 2)[0]
	onNode(t, sim, "pve1", "echo 'unused1: "+clonedDisk+"' >> /etc/pve/lxc/100.conf")
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"unused1"}}); r.Status != 200 {
		t.Fatalf("delete unused1: %d %s", r.Status, r.Raw)
	}
	if _, ok := ctConfig(t, sim, "pve1", 100)["unused1"]; ok {
		t.Error("unused1 still in the config")
	}
	sim.mu.Lock()
	v := sim.volumeOf(sim.nodeByName("pve1"), clonedDisk)
	sim.mu.Unlock()
	if v == nil {
		t.Errorf("CT 100 freed %s, which CT 101 owns", clonedDisk)
	}
}

// zfsTemplateWithLinkedClone makes CT 100 a template on a ZFS pool storage
// and CT 101 its linked clone.
func zfsTemplateWithLinkedClone(t *testing.T) *Simulator {
	t.Helper()
	sim := startSim(t, Options{})
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"zfs"}, "type": {"zfspool"}, "pool": {"rpool/data"}, "content": {"rootdir,images"}}); r.Status != 200 {
		t.Fatalf("add zfs storage: %d %s", r.Status, r.Raw)
	}
	createCT(t, sim, "pve1", 100, url.Values{"rootfs": {"zfs:4"}})
	call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/template", nil)
	waitIdle(t, sim, "pve1", 100)
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"101"}}); st != "OK" {
		t.Fatalf("linked clone: %s", st)
	}
	if got := ctConfig(t, sim, "pve1", 101)["rootfs"]; got != "zfs:basevol-100-disk-0/subvol-101-disk-0,size=4G" {
		t.Fatalf("linked clone rootfs %v", got)
	}
	return sim
}
