package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// addZFSStorage adds a zfspool storage "zfs", where a linked clone's volume
// name (basevol-N-disk-0/subvol-M-disk-0) differs from a full clone's.
func addZFSStorage(t *testing.T, sim *Simulator) {
	t.Helper()
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"zfs"}, "type": {"zfspool"}, "pool": {"rpool/data"}, "content": {"rootdir,images"}}); r.Status != 200 {
		t.Fatalf("add zfs storage: %d %s", r.Status, r.Raw)
	}
}

// holdOnNode runs script on node in the background, which must create
// /tmp/held once it holds what it wants held, and waits until it does. The
// returned channel is closed when the script has ended.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func holdOnNode(t *testing.T, sim *Simulator, node, script string) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sshRun(t, sim, node, script, "")
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if code, _, _ := sshRun(t, sim, node, "test -e /tmp/held", ""); code == 0 {
			return done
		}
	}
	t.Fatal("the script never held the lock")
	return done
}

// API2/LXC.pm template forks its vztemplate worker inside
// PVE::LXC::Config->lock_config($vmid, $updatefn) (pve-container
// stable-bookworm src/PVE/API2/LXC.pm line 1704), and the worker inherits the
// flock, so the lock is held until the conversion is done. clone_vm's
// set_lock($vmid, 'disk') (pve-guest-common src/PVE/AbstractConfig.pm
// set_lock) waits for it and then loads a template's config, so a clone sent
// right after the template call, without waiting for its task, defaults to a
// linked clone (clone_vm: $full = !is_template($src_conf)).
func TestCloneRightAfterTemplateIsLinked(t *testing.T) {
	// The template worker is made slow (30 ms here) so that a clone that did
	// not wait would surely see a plain container; it stays far below
	// lock_config's 10 s (100 ms here).
	sim := startSim(t, Options{TimeScale: 0.01, Faults: "taskslow:vztemplate=3s"})
	addZFSStorage(t, sim)
	createCT(t, sim, "pve1", 100, url.Values{"rootfs": {"zfs:4"}})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/template", nil)
	if r.Status != 200 {
		t.Fatalf("template: %d %s", r.Status, r.Raw)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"101"}}); st != "OK" {
		t.Fatalf("clone: %s", st)
	}
	if got := ctConfig(t, sim, "pve1", 101)["rootfs"]; got != "zfs:basevol-100-disk-0/subvol-101-disk-0,size=4G" {
		t.Errorf("clone rootfs %v, want the linked clone of the template's base volume", got)
	}
	if got := ctConfig(t, sim, "pve1", 100)["template"]; got != float64(1) {
		t.Errorf("source template flag %v", got)
	}
	// lock_file_full opens the lock file with '>>', so the node that ran the
	// clone has the new VMID's file; the lock is local to that node.
	if code, _, _ := sshRun(t, sim, "pve1", "test -f /run/lock/lxc/pve-config-101.lock", ""); code != 0 {
		t.Error("pve1 has no /run/lock/lxc/pve-config-101.lock after the clone")
	}
	if code, _, _ := sshRun(t, sim, "pve2", "test -e /run/lock/lxc/pve-config-101.lock", ""); code == 0 {
		t.Error("pve2 has a lock file of a clone made on pve1")
	}
}

// A script holding the config lock file with flock(1) makes update_vm (PUT
// config, pve-container src/PVE/API2/LXC/Config.pm: lock_config($vmid,
// $code)) wait lock_config's 10 s (AbstractConfig.pm lock_config ->
// lock_config_full($vmid, 10, ...)) and die with lock_file_full's
// "can't lock file '<file>' - got timeout" (pve-common src/PVE/Tools.pm),
// where the file is config_file_lock's /run/lock/lxc/pve-config-<vmid>.lock
// (src/PVE/LXC/Config.pm). Once the script lets go, the change goes through.
func TestConfigLockHeldByScript(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	// 2000 s simulated is 2 s here: far longer than the API's 10 s.
	done := holdOnNode(t, sim, "pve1", "flock /run/lock/lxc/pve-config-101.lock sh -c 'touch /tmp/held; sleep 2000'")
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"description": {"x"}})
	if want := "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout"; r.Status != 500 || r.Reason != want {
		t.Errorf("PUT config while the lock is held: %d %q, want 500 %q", r.Status, r.Reason, want)
	}
	// The lock is the node's own: pve2 has its own /run/lock/lxc.
	if r := call(t, sim, http.MethodPut, "/nodes/pve2/lxc/101/config", url.Values{"description": {"x"}}); strings.Contains(r.Reason, "can't lock file") {
		t.Errorf("PUT config on another node waited for pve1's lock: %d %s", r.Status, r.Reason)
	}
	// pct set is update_vm too.
	if code, _, stderr := sshRun(t, sim, "pve1", "pct set 101 -description y", ""); code == 0 ||
		!strings.Contains(stderr, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout") {
		t.Errorf("pct set while the lock is held: exit %d %q", code, stderr)
	}
	// pct unlock is remove_lock, which runs under lock_config too (CLI/pct.pm unlock).
	if code, _, stderr := sshRun(t, sim, "pve1", "pct unlock 101", ""); code != 255 ||
		stderr != "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout\n" {
		t.Errorf("pct unlock while the lock is held: exit %d %q", code, stderr)
	}
	<-done
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"description": {"x"}}); r.Status != 200 {
		t.Errorf("PUT config after the lock was released: %d %s", r.Status, r.Reason)
	}
}

// taskLogText is a task's whole log, one line per entry.
func taskLogText(t *testing.T, sim *Simulator, node, upid string) string {
	t.Helper()
	var lines []string
	for _, l := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/"+node+"/tasks/"+url.PathEscape(upid)+"/log",
		url.Values{"limit": {"500"}}))) {
		lines = append(lines, mustString(t, mustMap(t, l)["t"]))
	}
	return strings.Join(lines, "\n")
}

// vm_start's worker takes lock_config itself (pve-container stable-bookworm
// src/PVE/API2/LXC/Status.pm vm_start realcmd). lock_file_full (pve-common
// src/PVE/Tools.pm) prints "trying to acquire lock..." to the task log when
// the lock is not free at once and " OK" once it has it; when 10 s pass, the
// task dies with "can't lock file '<file>' - got timeout".
func TestWorkerWaitsForConfigLock(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.01})
	createCT(t, sim, "pve1", 101, nil)
	// 3 s simulated: shorter than lock_config's 10 s.
	done := holdOnNode(t, sim, "pve1", "flock /run/lock/lxc/pve-config-101.lock sh -c 'touch /tmp/held; sleep 3'")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/start", nil)
	if r.Status != 200 {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if st := waitTask(t, sim, upid); st != "OK" {
		t.Errorf("start after waiting for the lock: %s", st)
	}
	if log := taskLogText(t, sim, "pve1", upid); !strings.Contains(log, "trying to acquire lock... OK") {
		t.Errorf("start task log lacks lock_file's wait:\n%s", log)
	}
	<-done

	// 300 s simulated (3 s real), far longer than lock_config's 10 s, so
	// that a loaded machine's slow request cannot outlast the holder.
	sshRun(t, sim, "pve1", "rm /tmp/held", "")
	done = holdOnNode(t, sim, "pve1", "flock /run/lock/lxc/pve-config-101.lock sh -c 'touch /tmp/held; sleep 300'")
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/stop",
		nil); st != "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout" {
		t.Errorf("stop while the lock is held: %s", st)
	}
	<-done
	if got := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/status/current", nil)))["status"]; got != "running" {
		t.Errorf("status after the failed stop: %v", got)
	}
}

// AbstractMigrate.pm migrate runs all phases inside lock_vm, which is
// lock_config on the source node (pve-container src/PVE/LXC/Migrate.pm
// lock_vm); a lock that cannot be had aborts the migration: the log says
// "migration aborted (duration ...): can't lock file ..." and the task
// "migration aborted". The container stays where it was.
func TestMigrateWaitsForConfigLock(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.01})
	createCT(t, sim, "pve1", 101, nil)
	done := holdOnNode(t, sim, "pve1", "flock /run/lock/lxc/pve-config-101.lock sh -c 'touch /tmp/held; sleep 30'")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/migrate", url.Values{"target": {"pve2"}})
	if r.Status != 200 {
		t.Fatalf("migrate: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if st := waitTask(t, sim, upid); st != "migration aborted" {
		t.Errorf("migrate while the lock is held: %s", st)
	}
	if log := taskLogText(t, sim, "pve1", upid); !strings.Contains(log, "ERROR: migration aborted (duration 00:00:") ||
		!strings.Contains(log, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout") {
		t.Errorf("migrate task log:\n%s", log)
	}
	<-done
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil); r.Status != 200 {
		t.Errorf("CT 101 left pve1: %d %s", r.Status, r.Reason)
	}
}

// Status.pm vm_start, vm_stop and vm_shutdown do not look at the config's
// 'lock:' in the request: their workers check it under lock_config, so a
// locked container gets a UPID whose task fails "CT is locked (<lock>)";
// start and stop let a 'mounted' lock pass (!has_lock($conf, 'mounted')).
func TestPowerWorkersCheckTheLock(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	onNode(t, sim, "pve1", "echo 'lock: backup' >> /etc/pve/lxc/101.conf")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/start", nil)
	if r.Status != 200 {
		t.Fatalf("start of a locked CT: %d %s, want a UPID", r.Status, r.Raw)
	}
	if st := waitTask(t, sim, mustString(t, data(r))); st != "CT is locked (backup)" {
		t.Errorf("start task of a locked CT: %s", st)
	}
	onNode(t, sim, "pve1", "sed -i 's/^lock: backup$/lock: mounted/' /etc/pve/lxc/101.conf")
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/start", nil); st != "OK" {
		t.Errorf("start with a 'mounted' lock: %s", st)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/shutdown", nil); st != "CT is locked (mounted)" {
		t.Errorf("shutdown with a 'mounted' lock: %s", st)
	}
}
