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
// cloned"). The clone keeps its base.
func TestMoveVolumeDeleteKeepsABaseInUse(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/template", nil)
	waitIdle(t, sim, "pve1", 100)
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"101"}}); st != "OK" {
		t.Fatalf("linked clone: %s", st)
	}
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}, "storage": {"local-lvm"}, "delete": {"1"}})
	if r.Status != 200 {
		t.Fatalf("move_volume: %d %s", r.Status, r.Raw)
	}
	upid := data(r).(string)
	if st := waitTask(t, sim, upid); st != "WARNINGS: 1" {
		t.Errorf("status %q, want WARNINGS: 1", st)
	}
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log, "WARN: base volume 'base-100-disk-0' is still in use by linked cloned") {
		t.Errorf("task log:\n%s", log)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["unused0"] != "local-lvm:base-100-disk-0" || strings.HasPrefix(cfg["rootfs"].(string), "local-lvm:base-100-disk-0,") {
		t.Errorf("template config: %v", cfg)
	}
	sim.mu.Lock()
	base := sim.volumeOf(sim.nodeByName("pve1"), "local-lvm:base-100-disk-0")
	sim.mu.Unlock()
	if base == nil {
		t.Error("the base volume the clone uses was freed")
	}
}
