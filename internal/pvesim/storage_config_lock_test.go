package pvesim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestStorageConfigWritesTakeTheClusterLock follows pve-storage
// src/PVE/API2/Storage/Config.pm create/update/delete, which run inside
// PVE::Storage::lock_storage_config (src/PVE/Storage.pm), i.e. pve-cluster
// src/PVE/Cluster.pm cfs_lock_file('storage.cfg'): lock id
// "file-storage_cfg", 10 s to get it, and lock_storage_config's
// "<errmsg>: <error>" around every error, the lock's own included.
func TestStorageConfigWritesTakeTheClusterLock(t *testing.T) {
	sim := startSim(t, Options{})
	const lock = "/etc/pve/priv/lock/file-storage_cfg"
	onNode(t, sim, "pve2", "mkdir -p /etc/pve/priv/lock && mkdir "+lock)

	add := url.Values{"storage": {"extra"}, "type": {"dir"}, "path": {"/srv/extra"}, "content": {"backup"}}
	r := call(t, sim, http.MethodPost, "/storage", add)
	if r.Status != 500 || r.Reason != "create storage failed: cfs-lock 'file-storage_cfg' error: got lock request timeout" {
		t.Errorf("create while a script holds the lock: %d %q", r.Status, r.Reason)
	}
	if strings.Contains(storageCfgText(t, sim), "extra") {
		t.Error("storage.cfg was written without the lock")
	}
	r = call(t, sim, http.MethodPut, "/storage/local", url.Values{"content": {"backup"}})
	if r.Status != 500 || r.Reason != "update storage failed: cfs-lock 'file-storage_cfg' error: got lock request timeout" {
		t.Errorf("update while held: %d %q", r.Status, r.Reason)
	}
	r = call(t, sim, http.MethodDelete, "/storage/local", nil)
	if r.Status != 500 || r.Reason != "delete storage failed: cfs-lock 'file-storage_cfg' error: got lock request timeout" {
		t.Errorf("delete while held: %d %q", r.Status, r.Reason)
	}
	// pvesm add goes through the same API method and so the same lock.
	code, _, stderr := sshRun(t, sim, "pve1", "pvesm add dir extra --path /srv/extra --content backup", "")
	if code == 0 || !strings.Contains(stderr, "create storage failed: cfs-lock 'file-storage_cfg' error: got lock request timeout") {
		t.Errorf("pvesm add while held: %d %q", code, stderr)
	}

	onNode(t, sim, "pve2", "rmdir "+lock)
	if r := call(t, sim, http.MethodPost, "/storage", add); r.Status != 200 {
		t.Fatalf("create after the lock went: %d %s", r.Status, r.Raw)
	}
	// Errors of the code inside the lock carry the same prefix, and the lock
	// directory is removed after it ran, failed or not.
	if r := call(t, sim, http.MethodPost, "/storage", add); r.Reason != "create storage failed: storage ID 'extra' already defined" {
		t.Errorf("second create: %d %q", r.Status, r.Reason)
	}
	if code, _, _ := sshRun(t, sim, "pve1", "test -e "+lock, ""); code == 0 {
		t.Error("the API left its lock directory behind")
	}
}

// TestStorageConfigWaitsForTheLock: cfs_lock retries mkdir every 100 ms
// (src/PVE/Cluster.pm $cfs_lock) until the holder is done, so a writer that
// releases the lock within the 10 s lets the API call through.
func TestStorageConfigWaitsForTheLock(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.1}) // 10 s of lock timeout is 1 s here
	const lock = "/etc/pve/priv/lock/file-storage_cfg"
	onNode(t, sim, "pve1", "mkdir -p /etc/pve/priv/lock && mkdir "+lock)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = sim.RunOnNode(context.Background(), "pve1", "rmdir "+lock, nil, io.Discard, io.Discard)
	}()
	start := time.Now()
	r := call(t, sim, http.MethodPut, "/storage/local", url.Values{"content": {"backup,iso,vztmpl,snippets"}})
	if r.Status != 200 {
		t.Fatalf("update after the holder let go: %d %s", r.Status, r.Raw)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("the update did not wait for the lock (%v)", waited)
	}
	if !strings.Contains(storageCfgText(t, sim), "snippets") {
		t.Errorf("storage.cfg:\n%s", storageCfgText(t, sim))
	}
}
