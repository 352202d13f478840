package pvesim

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// cfsLockDir is where cfs_lock makes its lock directories (pve-cluster
// src/PVE/Cluster.pm: my $lockdir = "/etc/pve/priv/lock"), relative to /etc/pve.
const cfsLockDir = "/priv/lock"

// cfsLockTable is pmxcfs's memory of its locks (memdb.c memdb_lock_info_t):
// which node wrote each lock directory and when its lifetime started.
type cfsLockTable struct {
	mu    sync.Mutex
	locks map[string]cfsLockInfo
}

type cfsLockInfo struct {
	writer string    // the node whose mkdir (or renewal) made the lock (te->writer)
	ltime  time.Time // start of the lock's lifetime (li->ltime)
	ino    uint64    // the directory the record is about; a new one of the same name is another lock
}

// cfsView is /etc/pve as one node's pmxcfs mount shows it: the shared tree,
// with pmxcfs's modes on every entry and its lock rules on priv/lock.
type cfsView struct {
	s    *Simulator
	node string
}

var (
	_ shell.FS       = (*cfsView)(nil)
	_ shell.Chmoder  = (*cfsView)(nil)
	_ shell.Reserver = (*cfsView)(nil)
)

// nodeRootFSBytes is the budget of a node's root file system: a default PVE
// install holds the "local" storage (/var/lib/vz) on it, and the simulator
// gives that storage 100 GiB (storage_sync.go), so the node's own files get
// the same. The resident ceiling of package vfs bounds what the simulator
// really holds in memory, far below this.
const nodeRootFSBytes = 100 << 30

// cfsMaxFSSize is memdb.h MEMDB_MAX_FSSIZE, the 128 MiB that pmxcfs's statfs
// reports as the size of /etc/pve. The real pmxcfs only reports it (memdb.c
// memdb_statfs) and refuses no write for it; the simulator makes it the
// tree's budget, so that /etc/pve, kept in memory as pmxcfs keeps it, cannot
// grow without bound (a cluster whose config database passes 128 MiB is
// broken on real nodes anyway).
const cfsMaxFSSize = 128 << 20

// nodeFS is a node's file system as its shell and SFTP server see it.
func (s *Simulator) nodeFS(n *node) *shell.Mounts {
	s.ensureInterfaces(n)
	n.FS.SetCapacity(nodeRootFSBytes)
	s.cfs.SetCapacity(cfsMaxFSSize)
	pmxcfs := cfsMount{view: &cfsView{s: s, node: n.Name}, lxcDir: s.localLxcDir(n).dir}
	return shell.NewMounts(n.FS).Mount("/etc/pve", pmxcfs)
}

// isCFSLockDir follows cfs-utils.c path_is_lockdir and memdb.c memdb_mtime:
// a directory directly under priv/lock.
func isCFSLockDir(p string) bool {
	dir, base := path.Split(path.Clean("/" + p))
	return path.Clean(dir) == cfsLockDir && base != ""
}

// isCFSPrivate follows cfs-utils.c path_is_private: priv/ and nodes/*/priv/.
func isCFSPrivate(p string) bool {
	parts := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	if parts[0] == "priv" {
		return true
	}
	return len(parts) >= 3 && parts[0] == "nodes" && parts[2] == "priv"
}

// cfsMode is the mode pmxcfs.c cfs_fuse_getattr reports: private entries keep
// only the owner's bits (0700 for directories, 0600 for files), others get
// 0755 for directories and 0640 for files (cfs-plug-memdb.c answers 0777 and
// 0666, which getattr masks).
func cfsMode(p string, m fs.FileMode) fs.FileMode {
	typ := m.Type()
	switch {
	case m.IsDir():
		if isCFSPrivate(p) {
			return typ | 0o700
		}
		return typ | 0o755
	case isCFSPrivate(p):
		return typ | 0o600
	default:
		return typ | 0o640
	}
}

type cfsInfo struct {
	fs.FileInfo
	mode fs.FileMode
}

func (i cfsInfo) Mode() fs.FileMode { return i.mode }

func (v *cfsView) Stat(p string) (fs.FileInfo, error) {
	if path.Clean("/"+p) == cfsVMListPath {
		return statusFileInfo{name: ".vmlist", size: int64(len(v.s.vmListText()))}, nil
	}
	st, err := v.s.cfs.Stat(p)
	if err != nil {
		return nil, err
	}
	return cfsInfo{FileInfo: st, mode: v.s.quorumReadOnly(cfsMode(p, st.Mode()))}, nil
}

func (v *cfsView) ReadDir(p string) ([]fs.DirEntry, error) {
	entries, err := v.s.cfs.ReadDir(p)
	if err != nil {
		return nil, err
	}
	if path.Clean("/"+p) == "/" {
		entries = append(entries, fs.FileInfoToDirEntry(statusFileInfo{name: ".vmlist", size: int64(len(v.s.vmListText()))}))
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	}
	out := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		st, ierr := e.Info()
		if ierr != nil {
			return nil, ierr
		}
		out[i] = fs.FileInfoToDirEntry(cfsInfo{FileInfo: st, mode: v.s.quorumReadOnly(cfsMode(path.Join(p, e.Name()), st.Mode()))})
	}
	return out, nil
}

func (v *cfsView) ReadFile(p string) ([]byte, error) {
	if path.Clean("/"+p) == cfsVMListPath {
		return []byte(v.s.vmListText()), nil
	}
	return v.s.cfs.ReadFile(p)
}
func (v *cfsView) MkdirAll(p string, perm fs.FileMode) error {
	if _, err := v.s.cfs.Stat(p); err != nil && !v.s.quorate() {
		return errNoQuorumWrite("mkdir", p)
	}
	return v.s.cfs.MkdirAll(p, perm)
}

// Chmod follows pmxcfs.c cfs_fuse_chmod: pmxcfs has fixed modes, so chmod
// succeeds (and changes nothing) only when it asks for the mode the entry
// already has, 0600 under priv/ and 0640 elsewhere (the file-type bits
// aside); any other mode is EPERM.
func (v *cfsView) Chmod(p string, mode fs.FileMode) error {
	if _, err := v.Stat(p); err != nil {
		return err
	}
	allowed := fs.FileMode(0o600)
	if !isCFSPrivate(p) {
		allowed |= 0o040
	}
	if mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != allowed {
		return &fs.PathError{Op: "chmod", Path: p, Err: syscall.EPERM}
	}
	return nil
}

// Reserve and Release take upload bytes from /etc/pve's budget.
func (v *cfsView) Reserve(p string, n int64) int64 { return v.s.cfs.Reserve(p, n) }
func (v *cfsView) Release(p string, n int64)       { v.s.cfs.Release(p, n) }
func (v *cfsView) RemoveAll(p string) error {
	if !v.s.quorate() {
		return errNoQuorumWrite("unlink", p)
	}
	return v.s.cfs.RemoveAll(p)
}

// cfsMaxFileSize is memdb.h MEMDB_MAX_FILE_SIZE: a larger write is EFBIG.
const cfsMaxFileSize = 1024 * 1024

// WriteFile follows memdb.c memdb_write (at most 1 MiB, EFBIG past it) and
// memdb_create: a guest config for a VMID another node's config holds is
// refused with EEXIST (vmlist_different_vm_exists), which keeps VMIDs unique.
func (v *cfsView) WriteFile(p string, data []byte, perm fs.FileMode) error {
	if path.Clean("/"+p) == cfsVMListPath {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
	}
	if !v.s.quorate() {
		return errNoQuorumWrite("open", p)
	}
	if len(data) > cfsMaxFileSize {
		return &fs.PathError{Op: "write", Path: p, Err: syscall.EFBIG}
	}
	if _, err := v.s.cfs.Stat(p); err != nil && v.otherGuestConfig(p, "") {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EEXIST}
	}
	return v.s.cfs.WriteFile(p, data, perm)
}

// Rename follows memdb.c memdb_rename: a lock directory cannot be renamed
// (EACCES), a directory only when empty, and a file may not become the
// config of a VMID that another node holds (EEXIST), unless it is that
// guest's own config moving between nodes.
func (v *cfsView) Rename(from, to string) error {
	st, err := v.s.cfs.Stat(from)
	if err != nil {
		return err
	}
	if !v.s.quorate() {
		return errNoQuorumWrite("rename", from)
	}
	if st.IsDir() && isCFSLockDir(from) {
		return &fs.PathError{Op: "rename", Path: from, Err: syscall.EACCES}
	}
	if st.IsDir() {
		if entries, _ := v.s.cfs.ReadDir(from); len(entries) > 0 {
			return &fs.PathError{Op: "rename", Path: from, Err: syscall.ENOTEMPTY}
		}
	}
	if !st.IsDir() && v.otherGuestConfig(to, from) {
		return &fs.PathError{Op: "rename", Path: to, Err: syscall.EEXIST}
	}
	return v.s.cfs.Rename(from, to)
}

// Open checks the size limit as the writes arrive.
func (v *cfsView) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	if path.Clean("/"+p) == cfsVMListPath {
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return readOnlyFile{strings.NewReader(v.s.vmListText())}, nil
	}
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 && !v.s.quorate() {
		return nil, errNoQuorumWrite("open", p)
	}
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 && flag&os.O_CREATE != 0 {
		if _, err := v.s.cfs.Stat(p); err != nil && v.otherGuestConfig(p, "") {
			return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.EEXIST}
		}
	}
	h, err := v.s.cfs.Open(p, flag, perm)
	if err != nil || flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		return h, err
	}
	return &cfsLimitedWriter{ReadWriteCloser: h, path: p}, nil
}

type cfsLimitedWriter struct {
	io.ReadWriteCloser
	path    string
	written int
}

func (w *cfsLimitedWriter) Write(b []byte) (int, error) {
	if w.written+len(b) > cfsMaxFileSize {
		return 0, &fs.PathError{Op: "write", Path: w.path, Err: syscall.EFBIG}
	}
	w.written += len(b)
	return w.ReadWriteCloser.Write(b)
}

var guestConfigPathRe = regexp.MustCompile(`^/nodes/([^/]+)/(lxc|qemu-server)/(\d+)\.conf$`)

// otherGuestConfig tells whether p names a guest config whose VMID has a
// config on another node (memdb.c vmlist_different_vm_exists); from, when
// set, is the file being renamed, which may be that guest's own config.
func (v *cfsView) otherGuestConfig(p, from string) bool {
	m := guestConfigPathRe.FindStringSubmatch(path.Clean("/" + p))
	if m == nil {
		return false
	}
	if fm := guestConfigPathRe.FindStringSubmatch(path.Clean("/" + from)); fm != nil && fm[3] == m[3] {
		return false
	}
	nodes, _ := v.s.cfs.ReadDir("/nodes")
	for _, e := range nodes {
		for _, kind := range []string{"lxc", "qemu-server"} {
			other := "/nodes/" + e.Name() + "/" + kind + "/" + m[3] + ".conf"
			if other == path.Clean("/"+p) {
				continue
			}
			if _, err := v.s.cfs.Stat(other); err == nil {
				return true
			}
		}
	}
	return false
}

// Mkdir records who made a lock directory and when, as memdb.c memdb_mkdir
// does for entries of priv/lock (memdb_lock_expired inserts the record).
func (v *cfsView) Mkdir(p string, perm fs.FileMode) error {
	if !v.s.quorate() {
		if _, err := v.s.cfs.Stat(p); err == nil {
			return &fs.PathError{Op: "mkdir", Path: p, Err: fs.ErrExist}
		}
		return errNoQuorumWrite("mkdir", p)
	}
	if err := v.s.cfs.Mkdir(p, perm); err != nil {
		return err
	}
	if isCFSLockDir(p) {
		v.s.cfsLocks.record(v.s, p, v.node)
	}
	return nil
}

func (v *cfsView) Remove(p string) error {
	if !v.s.quorate() {
		return errNoQuorumWrite("unlink", p)
	}
	if err := v.s.cfs.Remove(p); err != nil {
		return err
	}
	if isCFSLockDir(p) {
		v.s.cfsLocks.forget(p)
	}
	return nil
}

// Chtimes is utime on pmxcfs. On a lock directory (memdb.c memdb_mtime and
// cfs-plug-memdb.c cfs_plug_memdb_utimens):
//   - mtime 0 is an unlock request: the lock is deleted when it is older than
//     the lock lifetime (CFS_LOCK_TIMEOUT, 120 s); the utime itself is then
//     refused with EACCES, as an older mtime always is;
//   - an older mtime than the directory's is refused (EACCES);
//   - a newer one renews the lock, but only from the node that wrote it;
//     any other node is refused (EACCES).
func (v *cfsView) Chtimes(p string, mtime time.Time) error {
	if !v.s.quorate() {
		return errNoQuorumWrite("utime", p)
	}
	if !isCFSLockDir(p) {
		return v.s.cfs.Chtimes(p, mtime)
	}
	st, err := v.s.cfs.Stat(p)
	if err != nil || !st.IsDir() {
		return v.s.cfs.Chtimes(p, mtime)
	}
	denied := &fs.PathError{Op: "utime", Path: p, Err: syscall.EACCES}
	info := v.s.cfsLocks.lookup(p, st)
	if mtime.Unix() == 0 {
		if time.Since(info.ltime) > v.s.opts.LockLifetime {
			_ = v.s.cfs.RemoveAll(p)
			v.s.cfsLocks.forget(p)
		}
		return denied
	}
	if mtime.Unix() < st.ModTime().Unix() || info.writer != v.node {
		return denied
	}
	if err := v.s.cfs.Chtimes(p, mtime); err != nil {
		return err
	}
	v.s.cfsLocks.record(v.s, p, v.node)
	return nil
}

func inodeOf(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(interface{ Inode() uint64 }); ok {
		return s.Inode()
	}
	return 0
}

func (t *cfsLockTable) record(s *Simulator, p, writer string) {
	st, err := s.cfs.Stat(p)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.locks == nil {
		t.locks = map[string]cfsLockInfo{}
	}
	t.locks[path.Clean(p)] = cfsLockInfo{writer: writer, ltime: time.Now(), ino: inodeOf(st)}
}

func (t *cfsLockTable) forget(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.locks, path.Clean(p))
}

// lookup returns the record of the lock directory st; a directory pmxcfs has
// no record of (one made before a restart) counts from its mtime and belongs
// to no node, as memdb_update_locks rebuilds the table without writers.
func (t *cfsLockTable) lookup(p string, st fs.FileInfo) cfsLockInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	info, ok := t.locks[path.Clean(p)]
	if !ok || info.ino != inodeOf(st) {
		return cfsLockInfo{ltime: st.ModTime()}
	}
	return info
}

// cfsLock runs fn holding a pmxcfs lock as PVE's Cluster.pm cfs_lock does:
// mkdir of priv/lock (when missing), then mkdir of priv/lock/<lockid>, retried
// with an unlock request (utime 0) every 100 ms until timeout (10 s when 0);
// the directory is removed after fn. The timeout is simulated time. Errors of the locking itself carry
// "cfs-lock '<lockid>' error: ", as there.
func (s *Simulator) cfsLock(nodeName, lockid string, timeout time.Duration, fn func() error) error {
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	view := &cfsView{s: s, node: nodeName}
	_ = view.Mkdir(cfsLockDir, 0o755)
	name := cfsLockDir + "/" + lockid
	start := time.Now()
	for view.Mkdir(name, 0o755) != nil {
		if time.Since(start) >= s.clock.lockWait(timeout) {
			// Cluster.pm: $err = "no quorum!\n" if !$got_lock && !check_cfs_quorum(1)
			if !s.quorate() {
				return fmt.Errorf("cfs-lock '%s' error: no quorum!", lockid)
			}
			return fmt.Errorf("cfs-lock '%s' error: got lock request timeout", lockid)
		}
		_ = view.Chtimes(name, time.Unix(0, 0))
		if err := s.clock.sleep(s.ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("cfs-lock '%s' error: %w", lockid, err)
		}
	}
	defer func() { _ = view.Remove(name) }()
	return fn()
}

type readOnlyFile struct{ *strings.Reader }

func (readOnlyFile) Write([]byte) (int, error) { return 0, syscall.EBADF }
func (readOnlyFile) Close() error              { return nil }
