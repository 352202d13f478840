package pvesim

import (
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// cfsMount is /etc/pve as a node mounts it: pmxcfs's view with its symbolic
// link lxc -> nodes/<node>/lxc (cfs-plug-link.c), which the kernel follows
// inside the one file system. So /etc/pve/lxc/<vmid>.conf gets every pmxcfs
// rule (the 1 MiB file limit, the VMID uniqueness of memdb_create, the
// fixed modes of chmod, the 128 MiB budget), and a rename between it and
// nodes/<other>/lxc is a rename inside pmxcfs, as `mv` of a config to move
// a guest between nodes is on a real cluster, not a cross-device one.
type cfsMount struct {
	view   *cfsView
	lxcDir string // the link's target, /nodes/<node>/lxc
}

var (
	_ shell.FS       = cfsMount{}
	_ shell.Chmoder  = cfsMount{}
	_ shell.Reserver = cfsMount{}
)

// follow resolves the lxc link at the start of a path.
func (m cfsMount) follow(p string) string {
	p = path.Clean("/" + p)
	if p == "/lxc" || strings.HasPrefix(p, "/lxc/") {
		return m.lxcDir + strings.TrimPrefix(p, "/lxc")
	}
	return p
}

func (m cfsMount) Stat(p string) (fs.FileInfo, error) { return m.view.Stat(m.follow(p)) }
func (m cfsMount) ReadFile(p string) ([]byte, error)  { return m.view.ReadFile(m.follow(p)) }
func (m cfsMount) WriteFile(p string, data []byte, perm fs.FileMode) error {
	return m.view.WriteFile(m.follow(p), data, perm)
}
func (m cfsMount) Mkdir(p string, perm fs.FileMode) error { return m.view.Mkdir(m.follow(p), perm) }
func (m cfsMount) MkdirAll(p string, perm fs.FileMode) error {
	return m.view.MkdirAll(m.follow(p), perm)
}
func (m cfsMount) Remove(p string) error    { return m.view.Remove(m.follow(p)) }
func (m cfsMount) RemoveAll(p string) error { return m.view.RemoveAll(m.follow(p)) }
func (m cfsMount) Rename(from, to string) error {
	return m.view.Rename(m.follow(from), m.follow(to))
}
func (m cfsMount) Chtimes(p string, mtime time.Time) error { return m.view.Chtimes(m.follow(p), mtime) }
func (m cfsMount) ReadDir(p string) ([]fs.DirEntry, error) { return m.view.ReadDir(m.follow(p)) }
func (m cfsMount) Chmod(p string, mode fs.FileMode) error  { return m.view.Chmod(m.follow(p), mode) }
func (m cfsMount) Reserve(p string, n int64) int64         { return m.view.Reserve(m.follow(p), n) }
func (m cfsMount) Release(p string, n int64)               { m.view.Release(m.follow(p), n) }
func (m cfsMount) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	return m.view.Open(m.follow(p), flag, perm)
}
