package pvesim

import (
	"strings"
	"testing"
	"time"
)

// TestPmxcfsTouchOnHeldLock follows pve-cluster src/pmxcfs/memdb.c
// memdb_mtime: on a directory in priv/lock an older mtime is refused
// (EACCES), a newer one is taken only from the node that wrote the lock, and
// cfs-plug-memdb.c cfs_plug_memdb_utimens: mtime 0 is an unlock request that
// removes only an expired lock (memdb_lock_expired) and is refused itself.
func TestPmxcfsTouchOnHeldLock(t *testing.T) {
	sim := startSim(t, Options{LockLifetime: time.Second})
	const lock = "/etc/pve/priv/lock/h5-test"
	if code, _, stderr := sshRun(t, sim, "pve1", "mkdir "+lock, ""); code != 0 {
		t.Fatalf("mkdir: %s", stderr)
	}
	// The writer renews its lock: touch succeeds and sets the mtime.
	if code, _, stderr := sshRun(t, sim, "pve1", "touch "+lock, ""); code != 0 {
		t.Errorf("renewal by the lock's node: %d %q", code, stderr)
	}
	// Another node may not renew it.
	code, _, stderr := sshRun(t, sim, "pve2", "touch "+lock, "")
	if code != 1 || stderr != "touch: setting times of '"+lock+"': Permission denied\n" {
		t.Errorf("renewal by another node: %d %q", code, stderr)
	}
	// Going back in time is refused, even for the writer.
	if code, _, stderr := sshRun(t, sim, "pve1", "touch -d @1000 "+lock, ""); code != 1 || !strings.Contains(stderr, "Permission denied") {
		t.Errorf("older mtime: %d %q", code, stderr)
	}
	// An unlock request on a live lock is refused and the lock stays.
	if code, _, stderr := sshRun(t, sim, "pve2", "touch -c -d @0 "+lock, ""); code != 1 || !strings.Contains(stderr, "Permission denied") {
		t.Errorf("unlock request on a live lock: %d %q", code, stderr)
	}
	if code, _, _ := sshRun(t, sim, "pve2", "test -d "+lock, ""); code != 0 {
		t.Fatal("a live lock was removed by an unlock request")
	}
	// A renewal restarts the lifetime: 0.7 s + 0.5 s after mkdir the lock,
	// renewed in between, is still alive.
	time.Sleep(700 * time.Millisecond)
	if code, _, stderr := sshRun(t, sim, "pve1", "touch "+lock, ""); code != 0 {
		t.Fatalf("second renewal: %q", stderr)
	}
	time.Sleep(500 * time.Millisecond)
	sshRun(t, sim, "pve3", "touch -c -d @0 "+lock, "")
	if code, _, _ := sshRun(t, sim, "pve3", "test -d "+lock, ""); code != 0 {
		t.Fatal("a renewed lock expired from its first mkdir")
	}
	// Past its lifetime, an unlock request removes it (and is still refused).
	time.Sleep(1100 * time.Millisecond)
	if code, _, _ := sshRun(t, sim, "pve3", "touch -c -d @0 "+lock, ""); code != 1 {
		t.Errorf("unlock request on an expired lock: exit %d, want 1", code)
	}
	if code, _, _ := sshRun(t, sim, "pve3", "test -e "+lock, ""); code == 0 {
		t.Error("an expired lock survived an unlock request")
	}
}

// TestCFSLockDirectory follows pve-cluster src/PVE/Cluster.pm $cfs_lock: the
// lock is the directory /etc/pve/priv/lock/<lockid> made with mkdir, shown
// with mode 0700 as everything under priv (pmxcfs.c cfs_fuse_getattr), held
// while the code runs and removed after; a second locker times out with
// "cfs-lock '<lockid>' error: got lock request timeout".
func TestCFSLockDirectory(t *testing.T) {
	sim := startSim(t, Options{})
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sim.cfsLock("pve1", "file-storage_cfg", 0, func() error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	code, out, _ := sshRun(t, sim, "pve2", "stat -c '%a %F' /etc/pve/priv/lock/file-storage_cfg", "")
	if code != 0 || out != "700 directory\n" {
		t.Errorf("the held lock: %d %q", code, out)
	}
	err := sim.cfsLock("pve2", "file-storage_cfg", 2*time.Second, func() error { return nil })
	if err == nil || err.Error() != "cfs-lock 'file-storage_cfg' error: got lock request timeout" {
		t.Errorf("contended lock: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code, _, _ := sshRun(t, sim, "pve2", "test -e /etc/pve/priv/lock/file-storage_cfg", ""); code == 0 {
		t.Error("the lock directory is left after the code ran")
	}
	// A mkdir with another mode still shows 0700 under priv.
	if code, out, _ := sshRun(t, sim, "pve1", "mkdir -m 0777 /etc/pve/priv/lock/x && stat -c %a /etc/pve/priv/lock/x", ""); code != 0 || out != "700\n" {
		t.Errorf("mode under priv: %d %q", code, out)
	}
}

// TestPmxcfsWriteRules follows pve-cluster src/pmxcfs/memdb.c: memdb_write
// refuses more than MEMDB_MAX_FILE_SIZE (1 MiB) with EFBIG; memdb_rename
// refuses to rename a lock directory (EACCES) and a non-empty directory;
// memdb_create and memdb_rename refuse a guest config whose VMID another
// node holds (vmlist_different_vm_exists, EEXIST).
func TestPmxcfsWriteRules(t *testing.T) {
	sim := startSim(t, Options{})
	big := strings.Repeat("x", 1024*1024+1)
	code, _, stderr := sshRun(t, sim, "pve1", "cat > /etc/pve/big.txt", big)
	if code != 1 || stderr != "cat: write error: File too large\n" {
		t.Errorf("write past 1 MiB: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "cat > /etc/pve/ok.txt", big[:1024*1024]); code != 0 {
		t.Errorf("write of exactly 1 MiB: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "mkdir /etc/pve/priv/lock/a && mv /etc/pve/priv/lock/a /etc/pve/priv/lock/b", ""); code != 1 ||
		!strings.Contains(stderr, "Permission denied") {
		t.Errorf("rename of a lock: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "mkdir -p /etc/pve/d1/sub && mv /etc/pve/d1 /etc/pve/d2", ""); code != 1 ||
		!strings.Contains(stderr, "not empty") {
		t.Errorf("rename of a non-empty directory: %d %q", code, stderr)
	}
	createCT(t, sim, "pve1", 101, nil)
	if code, _, _ := sshRun(t, sim, "pve2", "echo 'hostname: x' > /etc/pve/nodes/pve2/lxc/101.conf", ""); code == 0 {
		t.Error("a second config for VMID 101 was created on pve2")
	}
	script := "echo 'hostname: x' > /tmp/c && cat /tmp/c > /etc/pve/nodes/pve2/lxc/101.tmp && mv /etc/pve/nodes/pve2/lxc/101.tmp " +
		"/etc/pve/nodes/pve2/lxc/101.conf"
	if code, _, stderr := sshRun(t, sim, "pve2", script, ""); code == 0 || !strings.Contains(stderr, "File exists") {
		t.Errorf("rename onto another node's VMID: %d %q", code, stderr)
	}
	// Moving the guest's own config between nodes is how migration works.
	if code, _, stderr := sshRun(t, sim, "pve1",
		"mv /etc/pve/nodes/pve1/lxc/101.conf /etc/pve/nodes/pve2/lxc/101.conf && mv /etc/pve/nodes/pve2/lxc/101.conf /etc/pve/nodes/pve1/lxc/101.conf",
		""); code != 0 {
		t.Errorf("moving the guest's own config: %d %q", code, stderr)
	}
}

// TestPmxcfsVMList: /etc/pve/.vmlist is pmxcfs's status file of which node
// holds each guest (pve-cluster src/pmxcfs/status.c cfs_create_vmlist_msg).
func TestPmxcfsVMList(t *testing.T) {
	sim := startSim(t, Options{})
	if code, out, _ := sshRun(t, sim, "pve1", "cat /etc/pve/.vmlist", ""); code != 0 || !strings.HasPrefix(out, "{\n\"version\": ") ||
		strings.Contains(out, "ids") {
		t.Errorf("empty vmlist: %d %q", code, out)
	}
	createCT(t, sim, "pve2", 105, nil)
	code, out, _ := sshRun(t, sim, "pve1", "grep '\"105\"' /etc/pve/.vmlist", "")
	if code != 0 || !strings.HasPrefix(out, "\"105\": { \"node\": \"pve2\", \"type\": \"lxc\", \"version\": ") {
		t.Errorf("vmlist entry: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve3", "ls -a /etc/pve | grep vmlist", ""); code != 0 || out != ".vmlist\n" {
		t.Errorf("listing: %d %q", code, out)
	}
	if code, _, _ := sshRun(t, sim, "pve1", "echo x > /etc/pve/.vmlist", ""); code == 0 {
		t.Error(".vmlist is writable")
	}
}
