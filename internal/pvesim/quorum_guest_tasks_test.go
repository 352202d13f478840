package pvesim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// volumes lists the volids of a storage's content on a node.
func volumes(t *testing.T, sim *Simulator, node, storage string) string {
	t.Helper()
	var ids []string
	for _, v := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/"+node+"/storage/"+storage+"/content", nil))) {
		ids = append(ids, mustString(t, mustMap(t, v)["volid"]))
	}
	return strings.Join(ids, " ")
}

// inOrder reports whether log holds each of lines, in this order.
func inOrder(log string, lines ...string) bool {
	for _, l := range lines {
		i := strings.Index(log, l)
		if i < 0 {
			return false
		}
		log = log[i+len(l):]
	}
	return true
}

// TestDestroyWithoutQuorum follows destroy_vm (pve-container
// src/PVE/API2/LXC.pm) on a cluster without quorum: the handler calls no
// check_cfs_quorum and forks; its worker takes lock_config, a local flock
// (AbstractConfig.pm lock_config_full, LXC/Config.pm config_file_lock), and
// destroy_lxc_container (src/PVE/LXC.pm) frees the volumes first
// (delete_mountpoint_volume), then dies writing the 'lock: destroyed'
// config (write_config -> cfs_write_file -> PVE::File::file_set_contents:
// "unable to open file '<file>.tmp.<pid>' - Permission denied", $$ being the
// worker's pid). The container stays, its config unchanged, its disk gone.
func TestDestroyWithoutQuorum(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	if !strings.Contains(volumes(t, sim, "pve1", "local-lvm"), "local-lvm:vm-101-disk-0") {
		t.Fatalf("the disk before: %s", volumes(t, sim, "pve1", "local-lvm"))
	}
	sim.SetQuorate(false)
	r := call(t, sim, http.MethodDelete, "/nodes/pve1/lxc/101", nil)
	if r.Status != 200 {
		t.Fatalf("destroy without quorum is refused: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	tk, _ := parseUPID(upid)
	want := fmt.Sprintf("unable to open file '/etc/pve/nodes/pve1/lxc/101.conf.tmp.%d' - Permission denied", tk.PID)
	if status := waitTask(t, sim, upid); status != want {
		t.Errorf("exit status %q, want %q", status, want)
	}
	if log := taskLogText(t, sim, "pve1", upid); !inOrder(log, `Logical volume "vm-101-disk-0" successfully removed.`, "TASK ERROR: "+want) {
		t.Errorf("task log:\n%s", log)
	}
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil)))
	if !strings.HasPrefix(mustString(t, cfg["rootfs"]), "local-lvm:vm-101-disk-0,") || cfg["lock"] != nil {
		t.Errorf("config after the failed destroy: %v", cfg)
	}
	if vols := volumes(t, sim, "pve1", "local-lvm"); strings.Contains(vols, "vm-101-disk-0") {
		t.Errorf("the disk is still there: %s", vols)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "ls /etc/pve/nodes/pve1/lxc/", ""); code != 0 || !strings.Contains(out, "101.conf") {
		t.Errorf("the config file: %d %q", code, out)
	}
	// With quorum back, a destroy ends the job; LvmThinPlugin.pm free_image
	// skips the LV that is already gone (lvremove runs only "if exists").
	sim.SetQuorate(true)
	upid = mustString(t, data(call(t, sim, http.MethodDelete, "/nodes/pve1/lxc/101", nil)))
	if status := waitTask(t, sim, upid); status != "OK" {
		t.Errorf("destroy with quorum back: %s", status)
	}
	if log := taskLogText(t, sim, "pve1", upid); strings.Contains(log, "Logical volume") {
		t.Errorf("the second destroy removed a volume again:\n%s", log)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil); r.Status == 200 {
		t.Errorf("the container is still there after the second destroy")
	}
}

// TestVzdumpWithoutQuorum follows a backup (pve-manager PVE/API2/VZDump.pm
// vzdump, PVE/VZDump.pm exec_backup_task) on a cluster without quorum: the
// handler forks without check_cfs_quorum; the task logs the guest's start
// and status, then lock_vm (pve-container src/PVE/VZDump/LXC.pm: set_lock
// 'backup' -> write_config) cannot write the config, so the guest fails
// with file_set_contents's message, nothing is archived or left locked, and
// exec_backup ends "job errors".
func TestVzdumpWithoutQuorum(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve2", 101, nil)
	sim.SetQuorate(false)
	r := call(t, sim, http.MethodPost, "/nodes/pve2/vzdump", url.Values{"vmid": {"101"}, "storage": {"local"}, "compress": {"zstd"}})
	if r.Status != 200 {
		t.Fatalf("vzdump without quorum is refused: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	tk, _ := parseUPID(upid)
	if status := waitTask(t, sim, upid); status != "job errors" {
		t.Errorf("exit status %q, want job errors", status)
	}
	log := taskLogText(t, sim, "pve2", upid)
	if !inOrder(log, "INFO: starting new backup job: vzdump 101", "INFO: Starting Backup of VM 101 (lxc)", "INFO: Backup started at ",
		"INFO: status = stopped",
		fmt.Sprintf("ERROR: Backup of VM 101 failed - unable to open file '/etc/pve/nodes/pve2/lxc/101.conf.tmp.%d' - Permission denied", tk.PID),
		"INFO: Failed at ", "INFO: Backup job finished with errors", "TASK ERROR: job errors") {
		t.Errorf("task log:\n%s", log)
	}
	if strings.Contains(log, "creating vzdump archive") {
		t.Errorf("an archive was begun:\n%s", log)
	}
	if vols := volumes(t, sim, "pve2", "local"); strings.Contains(vols, "vzdump-lxc-101") {
		t.Errorf("a backup was stored: %s", vols)
	}
	if cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/lxc/101/config", nil))); cfg["lock"] != nil {
		t.Errorf("config locked: %v", cfg["lock"])
	}
}

// TestVzdumpLosesQuorumDuringTheBackup: the archive is written with the
// 'backup' lock set; when quorum goes before the clean-up, unlock_vm
// (remove_lock -> write_config) fails, exec_backup_task only warns it (a
// plain Perl warn, which pvedaemon's __WARN__ handler prints as it is and
// does not count), the backup succeeds and the lock stays.
func TestVzdumpLosesQuorumDuringTheBackup(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.1})
	createCT(t, sim, "pve1", 101, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"101"}, "storage": {"local"}, "compress": {"zstd"}})
	upid := mustString(t, data(r))
	deadline := time.Now().Add(10 * time.Second)
	for mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil)))["lock"] != "backup" {
		if time.Now().After(deadline) {
			t.Fatal("the backup never locked the container")
		}
		time.Sleep(2 * time.Millisecond)
	}
	sim.SetQuorate(false)
	tk, _ := parseUPID(upid)
	if status := waitTask(t, sim, upid); status != "OK" {
		t.Errorf("exit status %q, want OK", status)
	}
	want := fmt.Sprintf("\nunable to open file '/etc/pve/nodes/pve1/lxc/101.conf.tmp.%d' - Permission denied\n", tk.PID)
	if log := taskLogText(t, sim, "pve1", upid); !inOrder(log, want, "INFO: Finished Backup of VM 101") {
		t.Errorf("task log:\n%s", log)
	}
	if vols := volumes(t, sim, "pve1", "local"); !strings.Contains(vols, "vzdump-lxc-101") {
		t.Errorf("no backup stored: %s", vols)
	}
	if cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil))); cfg["lock"] != "backup" {
		t.Errorf("lock after the backup %v, want backup", cfg["lock"])
	}
}
