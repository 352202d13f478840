package pvesim

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// The write counter answers one question for tests: did a client change
// anything? A plan and a refresh must not, so Stats.Writes counts, by kind,
// every change a client makes through any of the simulator's doors:
//
//   - "api METHOD /route": every API request that is not a GET. PVE's API
//     is REST (pve-http-server's rest_handler maps GET to reads; POST, PUT
//     and DELETE to creates, updates and deletes). One exception: POST
//     /access/ticket logs in and changes nothing that PVE keeps (tickets are
//     signed, not stored: PVE::AccessControl::assemble_ticket).
//   - "cli METHOD /route": the same for API methods a node's CLI (pct set,
//     pvesh create, pveum ...) runs over SSH.
//   - "ssh <node> <op> <path>" and "sftp <node> <op> <path>": a change to a
//     node's files, /etc/pve included, by an SSH command or an SFTP request:
//     a write, mkdir (the allocation store's cluster lock is one), remove,
//     rename, chmod or mtime change. Reading (cat, ls, stat) counts nothing,
//     whatever the command is called: the file system says what changed.
//   - "ct <vmid> <op> <path>": the same inside a container, for commands an
//     SSH session runs there with pct exec; and "pct push <vmid>".
//
// Work the simulator does by itself (tasks, a service's own files) and the
// test helpers' direct calls are not a client's and are not counted.

// countWrite records one change a client made.
func (st *stats) countWrite(kind string) {
	st.mu.Lock()
	st.s.Writes[kind]++
	st.mu.Unlock()
}

// WriteCount is the number of changes clients made, of every kind.
func (s Stats) WriteCount() int {
	n := 0
	for _, c := range s.Writes {
		n += c
	}
	return n
}

// countAPIWrite counts an API request that changes something; from is "api"
// for HTTP and "cli" for a node's CLI.
func (st *stats) countAPIWrite(from, method, route string) {
	if method == http.MethodGet || method == http.MethodHead || (method == http.MethodPost && route == "/access/ticket") {
		return
	}
	st.countWrite(from + " " + method + " " + route)
}

type writeOriginKey struct{}

// withWriteOrigin marks a context as a client's (an SSH session's), so that
// commands it runs inside containers count their changes too.
func withWriteOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, writeOriginKey{}, origin)
}

// countedContainerEnv makes a pct exec of a client's session count the
// changes it makes in the container; other runs are left as they are.
func (s *Simulator) countedContainerEnv(ctx context.Context, env *shell.Env, vmid int) *shell.Env {
	if _, ok := ctx.Value(writeOriginKey{}).(string); ok {
		env.FS = s.countingFS(env.FS, "ct "+itoa(vmid))
	}
	return env
}

// countingFS wraps a file system and counts every change made through it
// under origin.
func (s *Simulator) countingFS(f shell.FS, origin string) shell.FS {
	return &countingFS{FS: f, count: func(op, p string) { s.stats.countWrite(origin + " " + op + " " + p) }}
}

type countingFS struct {
	shell.FS
	count func(op, p string)
}

// changed counts an operation that succeeded: a failed mkdir of a lock
// that is held, or a remove of a missing file, changed nothing.
func (c *countingFS) changed(op, p string, err error) error {
	if err == nil {
		c.count(op, p)
	}
	return err
}

func (c *countingFS) WriteFile(p string, d []byte, perm fs.FileMode) error {
	return c.changed("write", p, c.FS.WriteFile(p, d, perm))
}
func (c *countingFS) Mkdir(p string, perm fs.FileMode) error {
	return c.changed("mkdir", p, c.FS.Mkdir(p, perm))
}
func (c *countingFS) MkdirAll(p string, perm fs.FileMode) error {
	if st, err := c.Stat(p); err == nil && st.IsDir() {
		return nil // mkdir -p of a directory that exists changes nothing
	}
	return c.changed("mkdir", p, c.FS.MkdirAll(p, perm))
}
func (c *countingFS) Remove(p string) error { return c.changed("remove", p, c.FS.Remove(p)) }
func (c *countingFS) RemoveAll(p string) error {
	if _, err := c.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return c.FS.RemoveAll(p)
	}
	return c.changed("remove", p, c.FS.RemoveAll(p))
}
func (c *countingFS) Rename(from, to string) error {
	return c.changed("rename", from+" -> "+to, c.FS.Rename(from, to))
}
func (c *countingFS) Chtimes(p string, t time.Time) error {
	return c.changed("touch", p, c.FS.Chtimes(p, t))
}

// Open counts an open for writing: the file is created, truncated or
// written through it.
func (c *countingFS) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	f, err := c.FS.Open(p, flag, perm)
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) != 0 {
		err = c.changed("write", p, err)
	}
	return f, err
}

// Chmod forwards shell.Chmoder; a file system without modes refuses it as
// shell.Mounts does.
func (c *countingFS) Chmod(p string, mode fs.FileMode) error {
	ch, ok := c.FS.(shell.Chmoder)
	if !ok {
		return &fs.PathError{Op: "chmod", Path: p, Err: fs.ErrPermission}
	}
	return c.changed("chmod", p, ch.Chmod(p, mode))
}

// Reserve and Release forward shell.Reserver (an SFTP upload's budget).
func (c *countingFS) Reserve(p string, n int64) int64 {
	if r, ok := c.FS.(shell.Reserver); ok {
		return r.Reserve(p, n)
	}
	return n
}

func (c *countingFS) Release(p string, n int64) {
	if r, ok := c.FS.(shell.Reserver); ok {
		r.Release(p, n)
	}
}
