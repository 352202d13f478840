package pvesim

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/pkg/sftp"
)

// A container's files are bounded by its rootfs volume (size= of the rootfs
// property, here 0.5 GiB less the userland's 400 MiB): an endless writer
// inside it meets ENOSPC, with coreutils' message and exit status 1, instead
// of taking the simulator's memory until the command's timeout; rm gives
// the space back and the container goes on working.
func TestContainerRootFSFullIsENOSPC(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}, "rootfs": {"local-lvm:0.5"}})
	code, _, stderr := sshRun(t, sim, "pve1", "pct exec 100 -- sh -c 'head -c 10G /dev/zero > /tmp/fill'", "")
	if code != 1 || !strings.Contains(stderr, "head: error writing 'standard output': No space left on device") {
		t.Errorf("filling the rootfs: %d %q", code, stderr)
	}
	sim.mu.Lock()
	tree := sim.guests[100].RootFS
	sim.mu.Unlock()
	if tree.Size() != 112<<20 || tree.Capacity() != 112<<20 {
		t.Errorf("the full tree holds %d of %d bytes, want 112 MiB of 112 MiB", tree.Size(), tree.Capacity())
	}
	code, out, stderr := sshRun(t, sim, "pve1", "pct exec 100 -- sh -c 'rm /tmp/fill && echo ok > /tmp/g && cat /tmp/g'", "")
	if code != 0 || out != "ok\n" {
		t.Errorf("after the full disk: %d %q %q", code, out, stderr)
	}
}

// A node's files have a budget too, and SFTP reports a write past it as
// pkg/sftp reports ENOSPC (SSH_FX_FAILURE) at the write that does not fit;
// the upload is not held in memory first, and removing files frees space.
func TestNodeDiskFullOverSFTP(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	c := sftpClient(t, sim, "pve1")
	// The session's tree is the node's: shrink its budget for the test (the
	// real one, nodeRootFSBytes, is above the process's resident ceiling).
	tree := sim.nodeByName("pve1").FS
	tree.SetCapacity(tree.Size() + 64<<10)
	f, err := c.OpenFile("/root/big", os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(make([]byte, 1<<20))
	_ = f.Close()
	var status *sftp.StatusError
	if !errors.As(werr, &status) || status.FxCode() != sftp.ErrSSHFxFailure || !strings.Contains(werr.Error(), "no space left on device") {
		t.Errorf("an upload past the budget: %v, want SSH_FX_FAILURE for ENOSPC", werr)
	}
	if err := c.Truncate("/root/big", 1<<20); err == nil {
		t.Error("a truncate past the budget succeeded")
	}
	_ = c.Remove("/root/big")
	sftpWrite(t, c, "/root/small", "fits\n")
	if got := sftpRead(t, c, "/root/small"); got != "fits\n" {
		t.Errorf("after freeing: %q", got)
	}
}

// pmxcfs's /etc/pve is 128 MiB (memdb.h MEMDB_MAX_FSSIZE, as its statfs
// reports): 1 MiB files (the per-file limit, MEMDB_MAX_FILE_SIZE) fill it,
// the next write is ENOSPC, and removing them frees it.
func TestPmxcfsTotalSizeLimit(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	script := `i=0; while head -c 1M /dev/zero > /etc/pve/fill$i; do i=$((i+1)); done; echo $i`
	code, out, stderr := sshRun(t, sim, "pve1", script, "")
	n := strings.TrimSpace(out)
	if code != 0 || (n != "127" && n != "128") || !strings.Contains(stderr, "No space left on device") {
		t.Errorf("filling /etc/pve: %d %q %q", code, out, stderr)
	}
	code, out, stderr = sshRun(t, sim, "pve1", "rm /etc/pve/fill* && echo ok > /etc/pve/after && cat /etc/pve/after", "")
	if code != 0 || out != "ok\n" {
		t.Errorf("after freeing /etc/pve: %d %q %q", code, out, stderr)
	}
}

// chmod on a node and in a container changes the mode that stat and ls
// show; on /etc/pve it follows pmxcfs.c cfs_fuse_chmod: only the fixed mode
// (0640, 0600 under priv) is accepted, anything else is EPERM.
func TestChmodOnNodeContainerAndPmxcfs(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	code, out, stderr := sshRun(t, sim, "pve1", "touch /root/s && chmod u+x,go-r /root/s && stat -c '%a %A' /root/s && ls -l /root/s", "")
	if code != 0 || !strings.HasPrefix(out, "700 -rwx------\n-rwx------ ") {
		t.Errorf("chmod on the node: %d %q %q", code, out, stderr)
	}
	code, _, stderr = sshRun(t, sim, "pve1", "echo x > /etc/pve/t.cfg && chmod 755 /etc/pve/t.cfg", "")
	if code != 1 || stderr != "chmod: changing permissions of '/etc/pve/t.cfg': Operation not permitted\n" {
		t.Errorf("chmod 755 on pmxcfs: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "chmod 640 /etc/pve/t.cfg && chmod 600 /etc/pve/priv && chmod 640 /etc/pve/priv", ""); code != 1 ||
		!strings.Contains(stderr, "'/etc/pve/priv': Operation not permitted") {
		t.Errorf("pmxcfs's own modes: %d %q", code, stderr)
	}
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	code, out, stderr = sshRun(t, sim, "pve1",
		"pct exec 100 -- sh -c 'echo exit 0 > /usr/local/bin/x && chmod 0750 /usr/local/bin/x && stat -c %a /usr/local/bin/x'", "")
	if code != 0 || out != "750\n" {
		t.Errorf("chmod in a container: %d %q %q", code, out, stderr)
	}
}

// SFTP setstat changes permissions (chmod) and times (utime), as OpenSSH's
// sftp-server process_setstat does; pmxcfs refuses modes it does not have.
func TestSFTPSetstatModesAndTimes(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	c := sftpClient(t, sim, "pve1")
	sftpWrite(t, c, "/root/run.sh", "#!/bin/sh\n")
	if err := c.Chmod("/root/run.sh", 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stat("/root/run.sh")
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("mode after SFTP chmod: %v %v", st, err)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "stat -c %a /root/run.sh", ""); code != 0 || out != "755\n" {
		t.Errorf("the node's stat after SFTP chmod: %q", out)
	}
	when := st.ModTime().Add(-48 * 3600e9).Truncate(1e9)
	if err := c.Chtimes("/root/run.sh", when, when); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Stat("/root/run.sh"); !st.ModTime().Equal(when) {
		t.Errorf("mtime after SFTP utime: %v, want %v", st.ModTime(), when)
	}
	sftpWrite(t, c, "/etc/pve/t.cfg", "x\n")
	if err := c.Chmod("/etc/pve/t.cfg", 0o755); !errors.Is(err, os.ErrPermission) {
		t.Errorf("SFTP chmod 0755 on pmxcfs: %v, want permission denied", err)
	}
	if err := c.Chmod("/etc/pve/t.cfg", 0o640); err != nil {
		t.Errorf("SFTP chmod 0640 on pmxcfs: %v", err)
	}
}
