package pvesim

import (
	"errors"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pkg/sftp"
)

// sftpClient opens the node's sftp subsystem through a real SSH client.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func sftpClient(t *testing.T, sim *Simulator, node string) *sftp.Client {
	t.Helper()
	conn := sshDial(t, sim, node)
	client, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		t.Fatalf("sftp on %s: %v", node, err)
	}
	t.Cleanup(func() { client.Close(); conn.Close() })
	return client
}

func sftpWrite(t *testing.T, c *sftp.Client, p, content string) {
	t.Helper()
	f, err := c.Create(p)
	if err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
	if _, err := io.WriteString(f, content); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close %s: %v", p, err)
	}
}

func sftpRead(t *testing.T, c *sftp.Client, p string) string {
	t.Helper()
	f, err := c.Open(p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(data)
}

// TestSFTPNodeFiles follows OpenSSH's sftp-server (the "Subsystem sftp" of a
// PVE node's sshd_config): upload, download, list, stat, rename, remove, with
// relative paths starting in root's home.
func TestSFTPNodeFiles(t *testing.T) {
	sim := startSim(t, Options{})
	c := sftpClient(t, sim, "pve1")
	if wd, err := c.Getwd(); err != nil || wd != "/root" {
		t.Errorf("working directory %q %v, want /root", wd, err)
	}
	sftpWrite(t, c, "hello.txt", "hello from sftp\n")
	if code, out, _ := sshRun(t, sim, "pve1", "cat /root/hello.txt", ""); code != 0 || out != "hello from sftp\n" {
		t.Fatalf("the shell reads %d %q", code, out)
	}
	if got := sftpRead(t, c, "/root/hello.txt"); got != "hello from sftp\n" {
		t.Errorf("download %q", got)
	}
	st, err := c.Stat("/root/hello.txt")
	if err != nil || st.Size() != 16 || st.IsDir() {
		t.Fatalf("stat %v %v", st, err)
	}
	if err := c.Mkdir("/root/dir"); err != nil {
		t.Fatal(err)
	}
	sftpWrite(t, c, "/root/dir/b", "b")
	infos, err := c.ReadDir("/root")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range infos {
		names = append(names, fi.Name())
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "dir,hello.txt" {
		t.Errorf("list /root: %v", names)
	}
	// SSH_FXP_RENAME does not replace an existing file; posix-rename does.
	sftpWrite(t, c, "/root/other.txt", "other")
	if err := c.Rename("/root/hello.txt", "/root/other.txt"); err == nil {
		t.Error("rename over an existing file succeeded")
	}
	if err := c.PosixRename("/root/hello.txt", "/root/other.txt"); err != nil {
		t.Fatalf("posix-rename: %v", err)
	}
	if err := c.Rename("/root/other.txt", "/root/moved.txt"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if got := sftpRead(t, c, "/root/moved.txt"); got != "hello from sftp\n" {
		t.Errorf("after rename %q", got)
	}
	if err := c.Remove("/root/dir"); err == nil {
		t.Error("remove of a directory succeeded (sftp-server uses unlink)")
	}
	if err := c.Remove("/root/dir/b"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveDirectory("/root/dir"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stat("/root/dir"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of a removed directory: %v", err)
	}
	if _, err := c.Open("/root/missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open of a missing file: %v", err)
	}
	// Appending keeps the old content.
	f, err := c.OpenFile("/root/moved.txt", os.O_WRONLY|os.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("more\n"))
	_ = f.Close()
	if got := sftpRead(t, c, "/root/moved.txt"); got != "hello from sftp\nmore\n" {
		t.Errorf("after append %q", got)
	}
	if err := c.Truncate("/root/moved.txt", 5); err != nil {
		t.Fatal(err)
	}
	if got := sftpRead(t, c, "/root/moved.txt"); got != "hello" {
		t.Errorf("after truncate %q", got)
	}
}

// TestSFTPClusterFS checks that /etc/pve over SFTP is pmxcfs, shared by the
// nodes, with pmxcfs's modes (pve-cluster src/pmxcfs/pmxcfs.c
// cfs_fuse_getattr) and no rename from a node's disk into it (EXDEV).
func TestSFTPClusterFS(t *testing.T) {
	sim := startSim(t, Options{})
	c := sftpClient(t, sim, "pve1")
	if err := c.MkdirAll("/etc/pve/proximity"); err != nil {
		t.Fatal(err)
	}
	sftpWrite(t, c, "/etc/pve/proximity/from-sftp.json", `{"a":1}`)
	if data, err := sim.cfs.ReadFile("/proximity/from-sftp.json"); err != nil || string(data) != `{"a":1}` {
		t.Fatalf("the cluster file system holds %q %v", data, err)
	}
	if code, out, _ := sshRun(t, sim, "pve3", "cat /etc/pve/proximity/from-sftp.json", ""); code != 0 || out != `{"a":1}` {
		t.Errorf("another node reads %d %q", code, out)
	}
	if st, err := c.Stat("/etc/pve/proximity/from-sftp.json"); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode of a file on pmxcfs: %v %v", st.Mode(), err)
	}
	if st, err := c.Stat("/etc/pve/priv"); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("mode of /etc/pve/priv: %v %v", st.Mode(), err)
	}
	// pmxcfs takes at most 1 MiB per file (memdb.h MEMDB_MAX_FILE_SIZE).
	f, err := c.Create("/etc/pve/proximity/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(make([]byte, 1024*1024+1))
	if cerr := f.Close(); werr == nil && cerr == nil {
		t.Error("a write past 1 MiB into /etc/pve succeeded")
	}
	sftpWrite(t, c, "/root/local.txt", "x")
	if err := c.PosixRename("/root/local.txt", "/etc/pve/local.txt"); err == nil {
		t.Error("rename across file systems succeeded")
	}
}
