package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRestoreTakesTheConfigLock follows create_vm (pve-container
// src/PVE/API2/LXC.pm): the request writes the 'create' lock through
// create_and_lock_config, under the VMID's config lock with a 5 s wait and
// the "unable to restore CT N -" prefix, and the vzrestore worker runs inside
// lock_config, so a change sent during a restore waits for it.
func TestRestoreTakesTheConfigLock(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	volid := backupOf(t, sim, "pve1", 100)

	done := holdOnNode(t, sim, "pve1", "flock /run/lock/lxc/pve-config-150.lock sh -c 'touch /tmp/held; sleep 2000'")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
	if want := "unable to restore CT 150 - can't lock file '/run/lock/lxc/pve-config-150.lock' - got timeout"; r.Status != 500 || r.Reason != want {
		t.Errorf("restore while a script holds the lock: %d %q, want 500 %q", r.Status, r.Reason, want)
	}
	if confFileExists(t, sim, "pve1", 150) {
		t.Error("a restore that never got the lock left a config")
	}
	<-done

	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
	if r.Status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.Status, r.Raw)
	}
	// A config change sent while the worker runs waits for it, then applies.
	put := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/150/config", url.Values{"description": {"after"}})
	if status := waitTask(t, sim, mustString(t, data(r))); status != "OK" {
		t.Fatalf("restore task: %s", status)
	}
	if put.Status != http.StatusOK {
		t.Fatalf("PUT config during the restore: %d %s", put.Status, put.Reason)
	}
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil)))
	if !strings.HasPrefix(mustString(t, cfg["description"]), "after") || cfg["lock"] != nil {
		t.Errorf("config after the restore and the change: %v", cfg)
	}
}
