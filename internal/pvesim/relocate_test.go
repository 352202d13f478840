package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// This file pins what the provider relies on to move an application's
// container: move_volume and migrate as pve-container has them (identical
// in stable-bookworm, 8.x, and master, 9.x, except for a message's newline).

// move_volume (src/PVE/API2/LXC.pm): $move_to_storage_checks dies "cannot
// move volumes of a running container" under lock_config, and the handler
// dies "either set storage or target-vmid, but not both" before anything
// else (its raise_param_exc for the same case is never reached).
func TestMoveVolumeRefusesARunningContainer(t *testing.T) {
	sim := startSim(t, Options{})
	onNode(t, sim, "pve1", "pvesm add dir fast --path /srv/fast --content rootdir")
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}, "storage": {"fast"}, "delete": {"1"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "cannot move volumes of a running container") {
		t.Errorf("move of a running container's rootfs: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}, "storage": {"fast"}, "target-vmid": {"101"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "either set storage or target-vmid, but not both") {
		t.Errorf("storage and target-vmid: %d %s", r.Status, r.Raw)
	}
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/stop", nil)
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume",
		url.Values{"volume": {"rootfs"}, "storage": {"fast"}, "delete": {"1"}}); st != "OK" {
		t.Fatalf("move of the stopped container: %s", st)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["rootfs"] != "fast:100/vm-100-disk-0.raw,size=4G" || cfg["unused0"] != nil {
		t.Errorf("after the move with delete=1: rootfs=%v unused0=%v", cfg["rootfs"], cfg["unused0"])
	}
}

// migrate_vm's 'target-storage' (pve-common JSONSchema.pm parse_idmap and
// map_id; API2/LXC.pm $check_storage_access_migrate; LXC/Migrate.pm
// prepare and phase1): the map is checked before the task, each target
// must take CT rootdirs on the target node, and a local volume moves to the
// storage the map names, under that storage's naming.
func TestMigrateTargetStorage(t *testing.T) {
	sim := startSim(t, Options{})
	onNode(t, sim, "pve1", "pvesm add dir fast --path /srv/fast --content rootdir")
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	for _, tc := range []struct{ storage, want string }{
		{"local", "storage 'local' does not support CT rootdirs"},
		{"nowhere", "storage 'nowhere' does not exist"},
		{"fast:a:b", "failed to parse storage map"},
		{"1,fast", "identity mapping cannot be combined with other mappings"},
	} {
		r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate", url.Values{"target": {"pve2"}, "restart": {"1"}, "target-storage": {tc.storage}})
		if r.Status == 200 || !strings.Contains(r.Raw, tc.want) {
			t.Errorf("target-storage %s: %d %s, want %q", tc.storage, r.Status, r.Raw, tc.want)
		}
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate",
		url.Values{"target": {"pve2"}, "restart": {"1"}, "target-storage": {"fast"}}); st != "OK" {
		t.Fatalf("migrate: %s", st)
	}
	cfg := ctConfig(t, sim, "pve2", 100)
	if cfg["rootfs"] != "fast:100/vm-100-disk-0.raw,size=4G" {
		t.Errorf("rootfs on the target: %v", cfg["rootfs"])
	}
	if st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/lxc/100/status/current", nil))); st["status"] != "running" {
		t.Errorf("after the migration: %v", st)
	}
	if content := call(t, sim, http.MethodGet, "/nodes/pve1/storage/local-lvm/content", nil).Raw; strings.Contains(content, "vm-100-disk-0") {
		t.Errorf("the source volume stayed on pve1: %s", content)
	}
}

// Restart mode starts the container on the target in final_cleanup with
// `pct start` over SSH (LXC/Migrate.pm); a bridge the target lacks fails
// that start (lxcnetaddbr), which AbstractMigrate.pm migrate logs and ends
// the task with "migration problems": the container is on the target,
// stopped.
func TestMigrateRestartOnATargetWithoutTheBridge(t *testing.T) {
	sim := startSim(t, Options{})
	if r := call(t, sim, http.MethodPost, "/nodes/pve1/network", url.Values{"iface": {"vmbr1"}, "type": {"bridge"}}); r.Status != 200 {
		t.Fatalf("add vmbr1: %d %s", r.Status, r.Raw)
	}
	waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPut, "/nodes/pve1/network", nil))))
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}, "net0": {"name=eth0,bridge=vmbr1,ip=dhcp"}})
	st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate", url.Values{"target": {"pve2"}, "restart": {"1"}})
	if st != "migration problems" {
		t.Fatalf("migrate: %s", st)
	}
	status := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/lxc/100/status/current", nil)))
	if status["status"] != "stopped" || status["lock"] != nil {
		t.Errorf("after the failed start on the target: %v", status)
	}
}
