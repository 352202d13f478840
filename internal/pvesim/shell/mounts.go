package shell

import (
	"io"
	"io/fs"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Mounts joins file systems at mount points (a node's root with pmxcfs at
// /etc/pve). A rename across mount points fails with EXDEV, as it does there.
type Mounts struct {
	points []mount
}

type mount struct {
	prefix string
	fs     FS
}

// NewMounts builds a mount table; root is mounted at "/".
func NewMounts(root FS) *Mounts {
	return &Mounts{points: []mount{{prefix: "/", fs: root}}}
}

// Mount adds a file system at prefix (an absolute path).
func (m *Mounts) Mount(prefix string, f FS) *Mounts {
	m.points = append(m.points, mount{prefix: strings.TrimSuffix(prefix, "/"), fs: f})
	sort.Slice(m.points, func(i, j int) bool { return len(m.points[i].prefix) > len(m.points[j].prefix) })
	return m
}

func (m *Mounts) resolve(p string) (FS, string, string) {
	for _, mp := range m.points {
		if mp.prefix == "/" {
			return mp.fs, p, "/"
		}
		if p == mp.prefix || strings.HasPrefix(p, mp.prefix+"/") {
			rel := strings.TrimPrefix(p, mp.prefix)
			if rel == "" {
				rel = "/"
			}
			return mp.fs, rel, mp.prefix
		}
	}
	return m.points[len(m.points)-1].fs, p, "/"
}

func (m *Mounts) Stat(p string) (fs.FileInfo, error) {
	f, rel, _ := m.resolve(p)
	return f.Stat(rel)
}
func (m *Mounts) ReadFile(p string) ([]byte, error) {
	f, rel, _ := m.resolve(p)
	return f.ReadFile(rel)
}
func (m *Mounts) WriteFile(p string, d []byte, perm fs.FileMode) error {
	f, rel, _ := m.resolve(p)
	return f.WriteFile(rel, d, perm)
}
func (m *Mounts) Mkdir(p string, perm fs.FileMode) error {
	f, rel, _ := m.resolve(p)
	return f.Mkdir(rel, perm)
}
func (m *Mounts) MkdirAll(p string, perm fs.FileMode) error {
	f, rel, _ := m.resolve(p)
	return f.MkdirAll(rel, perm)
}
func (m *Mounts) Remove(p string) error    { f, rel, _ := m.resolve(p); return f.Remove(rel) }
func (m *Mounts) RemoveAll(p string) error { f, rel, _ := m.resolve(p); return f.RemoveAll(rel) }
func (m *Mounts) Chtimes(p string, t time.Time) error {
	f, rel, _ := m.resolve(p)
	return f.Chtimes(rel, t)
}
func (m *Mounts) ReadDir(p string) ([]fs.DirEntry, error) {
	f, rel, _ := m.resolve(p)
	return f.ReadDir(rel)
}
func (m *Mounts) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	f, rel, _ := m.resolve(p)
	return f.Open(rel, flag, perm)
}

func (m *Mounts) Rename(from, to string) error {
	f1, r1, p1 := m.resolve(from)
	_, r2, p2 := m.resolve(to)
	if p1 != p2 {
		return &fs.PathError{Op: "rename", Path: from, Err: syscall.EXDEV}
	}
	return f1.Rename(r1, r2)
}

// Chmod is chmod(2) on the file system mounted at p; one that keeps no
// modes refuses it with EPERM.
func (m *Mounts) Chmod(p string, mode fs.FileMode) error {
	f, rel, _ := m.resolve(p)
	if ch, ok := f.(Chmoder); ok {
		return ch.Chmod(rel, mode)
	}
	return &fs.PathError{Op: "chmod", Path: p, Err: syscall.EPERM}
}
