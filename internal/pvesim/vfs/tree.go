package vfs

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Tree is an in-memory directory tree. The zero value is not usable; use New.
type Tree struct {
	mu   sync.Mutex
	root *node
	gen  uint64 // last generation handed to a written file
	acct *usage // bytes held, against the tree's capacity (budget.go)
	// Now is the clock used for modification times.
	Now func() time.Time
	// ChtimesHook, when set, runs before a Chtimes of an existing path under
	// the tree lock; returning handled=true skips the default update. pmxcfs
	// uses it for its lock directories.
	ChtimesHook func(t *Tree, name string, mtime time.Time) (handled bool, err error)
}

type node struct {
	ino      uint64 // set when the node is made, as an inode number
	gen      uint64 // changes with every write of the file's content
	mode     fs.FileMode
	modTime  time.Time
	data     []byte
	children map[string]*node
}

// New returns an empty tree holding only "/".
func New() *Tree {
	t := &Tree{Now: time.Now}
	t.acct = newUsage(t)
	t.root = &node{mode: fs.ModeDir | 0o755, modTime: t.Now(), children: map[string]*node{}}
	return t
}

// Clean makes p absolute and canonical.
func Clean(p string) string {
	return path.Clean("/" + p)
}

func split(p string) []string {
	p = Clean(p)
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func (t *Tree) lookup(p string) (*node, error) {
	n := t.root
	for _, part := range split(p) {
		if !n.mode.IsDir() {
			return nil, fs.ErrNotExist
		}
		child, ok := n.children[part]
		if !ok {
			return nil, fs.ErrNotExist
		}
		n = child
	}
	return n, nil
}

func (t *Tree) parent(p string) (*node, string, error) {
	parts := split(p)
	if len(parts) == 0 {
		return nil, "", fs.ErrExist
	}
	dir, err := t.lookup("/" + strings.Join(parts[:len(parts)-1], "/"))
	if err != nil {
		return nil, "", err
	}
	if !dir.mode.IsDir() {
		return nil, "", fs.ErrNotExist
	}
	return dir, parts[len(parts)-1], nil
}

func pathErr(op, p string, err error) error {
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// Version identifies a file's content: it changes whenever the file is
// written, appended to, replaced by a rename or removed (0 when absent), so a
// reader can cache what it parsed from the file, as PVE's cfs_file_version
// lets the API cache user.cfg.
func (t *Tree) Version(p string) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil || n.mode.IsDir() {
		return 0
	}
	return n.gen
}

// Stat describes a path.
func (t *Tree) Stat(p string) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil {
		return nil, pathErr("stat", p, err)
	}
	return info{name: path.Base(Clean(p)), n: n, size: int64(len(n.data))}, nil
}

// ReadFile returns a file's content.
func (t *Tree) ReadFile(p string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil {
		return nil, pathErr("open", p, err)
	}
	if n.mode.IsDir() {
		return nil, pathErr("read", p, errIsDir)
	}
	return bytes.Clone(n.data), nil
}

// WriteFile creates or replaces a file.
func (t *Tree) WriteFile(p string, data []byte, perm fs.FileMode) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.writeLocked(p, data, perm, false)
}

func (t *Tree) writeLocked(p string, data []byte, perm fs.FileMode, appendData bool) error {
	dir, name, err := t.parent(p)
	if err != nil {
		return pathErr("open", p, err)
	}
	existing, ok := dir.children[name]
	if ok && existing.mode.IsDir() {
		return pathErr("open", p, errIsDir)
	}
	if ok && appendData {
		if err := t.acct.charge(int64(len(data))); err != nil {
			return pathErr("write", p, err)
		}
		existing.data = append(existing.data, data...)
		existing.modTime = t.Now()
		t.gen++
		existing.gen = t.gen
		return nil
	}
	var old int64
	if ok {
		perm = existing.mode.Perm() | existing.mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		old = int64(len(existing.data))
	}
	if err := t.acct.charge(int64(len(data)) - old); err != nil {
		return pathErr("write", p, err)
	}
	t.gen++
	dir.children[name] = &node{ino: t.gen, gen: t.gen, mode: perm & modeBits, modTime: t.Now(), data: bytes.Clone(data)}
	dir.modTime = t.Now()
	return nil
}

// Mkdir creates one directory; it fails with fs.ErrExist when the path exists,
// atomically with respect to every other operation on the tree.
func (t *Tree) Mkdir(p string, perm fs.FileMode) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	dir, name, err := t.parent(p)
	if err != nil {
		return pathErr("mkdir", p, err)
	}
	if _, ok := dir.children[name]; ok {
		return pathErr("mkdir", p, fs.ErrExist)
	}
	t.gen++
	dir.children[name] = &node{ino: t.gen, mode: fs.ModeDir | perm&modeBits, modTime: t.Now(), children: map[string]*node{}}
	dir.modTime = t.Now()
	return nil
}

// MkdirAll creates a directory and its parents.
func (t *Tree) MkdirAll(p string, perm fs.FileMode) error {
	cur := ""
	for _, part := range split(p) {
		cur += "/" + part
		err := t.Mkdir(cur, perm)
		if err == nil {
			continue
		}
		if st, serr := t.Stat(cur); serr == nil && st.IsDir() {
			continue
		}
		return err
	}
	return nil
}

// Remove deletes a file or an empty directory.
func (t *Tree) Remove(p string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeLocked(p, false)
}

// RemoveAll deletes a path and everything under it; a missing path is not an error.
func (t *Tree) RemoveAll(p string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.removeLocked(p, true)
	if err != nil && errorsIsNotExist(err) {
		return nil
	}
	return err
}

// RemoveLocked is Remove for hooks that already hold the tree lock.
func (t *Tree) RemoveLocked(p string) error {
	return t.removeLocked(p, true)
}

func (t *Tree) removeLocked(p string, recursive bool) error {
	dir, name, err := t.parent(p)
	if err != nil {
		return pathErr("remove", p, err)
	}
	n, ok := dir.children[name]
	if !ok {
		return pathErr("remove", p, fs.ErrNotExist)
	}
	if n.mode.IsDir() && len(n.children) > 0 && !recursive {
		return pathErr("remove", p, errNotEmpty)
	}
	delete(dir.children, name)
	t.acct.force(-subtreeBytes(n))
	dir.modTime = t.Now()
	return nil
}

// Rename moves a path, replacing a file at the destination.
func (t *Tree) Rename(from, to string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	srcDir, srcName, err := t.parent(from)
	if err != nil {
		return pathErr("rename", from, err)
	}
	n, ok := srcDir.children[srcName]
	if !ok {
		return pathErr("rename", from, fs.ErrNotExist)
	}
	dstDir, dstName, err := t.parent(to)
	if err != nil {
		return pathErr("rename", to, err)
	}
	if existing, ok := dstDir.children[dstName]; ok && existing.mode.IsDir() && len(existing.children) > 0 {
		return pathErr("rename", to, errNotEmpty)
	}
	if existing, ok := dstDir.children[dstName]; ok && existing != n {
		t.acct.force(-subtreeBytes(existing))
	}
	delete(srcDir.children, srcName)
	dstDir.children[dstName] = n
	return nil
}

// modeBits are the bits chmod(2) sets: the permissions, setuid, setgid and
// sticky; the file type never changes.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Chmod sets a path's permission bits, as chmod(2): the modification time
// stays (only the inode's change time moves, which the trees do not keep).
func (t *Tree) Chmod(p string, mode fs.FileMode) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil {
		return pathErr("chmod", p, err)
	}
	n.mode = n.mode&^modeBits | mode&modeBits
	return nil
}

// Chtimes sets a path's modification time.
func (t *Tree) Chtimes(p string, mtime time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil {
		return pathErr("chtimes", p, err)
	}
	if t.ChtimesHook != nil {
		handled, err := t.ChtimesHook(t, Clean(p), mtime)
		if err != nil || handled {
			return err
		}
	}
	n.modTime = mtime
	return nil
}

// ReadDir lists a directory sorted by name.
func (t *Tree) ReadDir(p string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.lookup(p)
	if err != nil {
		return nil, pathErr("open", p, err)
	}
	if !n.mode.IsDir() {
		return nil, pathErr("readdirent", p, errNotDir)
	}
	out := make([]fs.DirEntry, 0, len(n.children))
	for name, child := range n.children {
		out = append(out, fs.FileInfoToDirEntry(info{name: name, n: child, size: int64(len(child.data))}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Open returns a handle for the shell's redirections: reads see the content at
// open time; writes are applied when the handle is closed.
func (t *Tree) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	writing := flag&(os.O_WRONLY|os.O_RDWR) != 0
	st, err := t.Stat(p)
	switch {
	case err != nil && (!writing || flag&os.O_CREATE == 0):
		return nil, pathErr("open", p, fs.ErrNotExist)
	case err == nil && st.IsDir() && writing:
		return nil, pathErr("open", p, errIsDir)
	case err == nil && flag&os.O_EXCL != 0 && flag&os.O_CREATE != 0:
		return nil, pathErr("open", p, fs.ErrExist)
	}
	h := &handle{tree: t, path: p, perm: perm, writing: writing, appendMode: flag&os.O_APPEND != 0}
	if err == nil && !st.IsDir() {
		data, _ := t.ReadFile(p)
		h.reader = bytes.NewReader(data)
		if writing && flag&os.O_TRUNC == 0 && !h.appendMode {
			h.buf.Write(data)
		}
	} else {
		h.reader = bytes.NewReader(nil)
	}
	if writing && !h.appendMode {
		// Create (or truncate) at open, as the kernel does.
		if err := t.WriteFile(p, h.buf.Bytes(), perm); err != nil {
			return nil, err
		}
	}
	return h, nil
}

type handle struct {
	tree       *Tree
	path       string
	perm       fs.FileMode
	writing    bool
	appendMode bool
	reader     *bytes.Reader
	buf        bytes.Buffer
	reserved   int64 // bytes of buf taken from the tree's budget
	closed     bool
}

func (h *handle) Read(p []byte) (int, error) { return h.reader.Read(p) }

// Write buffers p, taking its bytes from the tree's budget as they arrive
// so that an endless writer stops at a full disk (ENOSPC after the part
// that fitted, as write(2) does) instead of growing the buffer unbounded.
func (h *handle) Write(p []byte) (int, error) {
	if !h.writing {
		return 0, pathErr("write", h.path, fs.ErrPermission)
	}
	h.tree.mu.Lock()
	got := h.tree.acct.reserve(int64(len(p)))
	h.tree.mu.Unlock()
	h.reserved += got
	h.buf.Write(p[:got])
	if got < int64(len(p)) {
		return int(got), pathErr("write", h.path, syscall.ENOSPC)
	}
	return len(p), nil
}

func (h *handle) Close() error {
	if h.closed || !h.writing {
		h.closed = true
		return nil
	}
	h.closed = true
	h.tree.mu.Lock()
	defer h.tree.mu.Unlock()
	// The buffered bytes move from the reservation into the file.
	h.tree.acct.unreserve(h.reserved)
	h.reserved = 0
	return h.tree.writeLocked(h.path, h.buf.Bytes(), h.perm, h.appendMode)
}

type info struct {
	name string
	n    *node
	size int64
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) Mode() fs.FileMode  { return i.n.mode }
func (i info) ModTime() time.Time { return i.n.modTime }
func (i info) IsDir() bool        { return i.n.mode.IsDir() }
func (i info) Sys() any           { return Sys{Ino: i.n.ino} }

// Sys is what FileInfo.Sys returns: the inode number, which tells a new
// directory from an old one of the same name (stat -c %i).
type Sys struct{ Ino uint64 }

// Inode is the inode number.
func (s Sys) Inode() uint64 { return s.Ino }

// StatLocked is Stat for hooks that already hold the tree lock.
func (t *Tree) StatLocked(p string) (fs.FileInfo, error) {
	n, err := t.lookup(p)
	if err != nil {
		return nil, pathErr("stat", p, err)
	}
	return info{name: path.Base(Clean(p)), n: n, size: int64(len(n.data))}, nil
}
