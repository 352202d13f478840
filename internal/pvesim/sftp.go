package pvesim

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"syscall"

	"github.com/pkg/sftp"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// serveSFTP is the node's "sftp" subsystem (OpenSSH's sftp-server on a PVE
// node): SFTP v3 over the node's file tree, with /etc/pve on pmxcfs as the
// node's shell sees it. Relative paths start at root's home, /root.
func (s *Simulator) serveSFTP(rw io.ReadWriter, n *node) error {
	h := &sftpHandler{fs: s.countingFS(s.nodeFS(n), "sftp "+n.Name)}
	handlers := sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
	server := sftp.NewRequestServer(struct {
		io.Reader
		io.WriteCloser
	}{rw, nopWriteCloser{rw}}, handlers, sftp.WithStartDirectory("/root"))
	defer server.Close()
	err := server.Serve()
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// sftpHandler maps SFTP requests onto a shell.FS.
type sftpHandler struct {
	fs shell.FS
}

var (
	_ sftp.FileReader           = (*sftpHandler)(nil)
	_ sftp.FileWriter           = (*sftpHandler)(nil)
	_ sftp.FileCmder            = (*sftpHandler)(nil)
	_ sftp.FileLister           = (*sftpHandler)(nil)
	_ sftp.PosixRenameFileCmder = (*sftpHandler)(nil)
)

// sftpErr turns a file system error into the status sftp-server sends:
// ENOENT is "no such file", EACCES/EPERM "permission denied", anything else
// a failure carrying the message.
func sftpErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return sftp.ErrSSHFxNoSuchFile
	case errors.Is(err, fs.ErrPermission):
		return sftp.ErrSSHFxPermissionDenied
	}
	return err
}

// Fileread opens a file for reading; its content is read at open, as the
// simulated trees have no partial reads.
func (h *sftpHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	st, err := h.fs.Stat(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	if st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: r.Filepath, Err: syscall.EISDIR}
	}
	data, err := h.fs.ReadFile(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	return bytes.NewReader(data), nil
}

// Filewrite opens a file for writing with the open flags' meaning
// (O_CREAT, O_EXCL, O_TRUNC, O_APPEND); the file is written whole on close.
func (h *sftpHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	flags := r.Pflags()
	st, err := h.fs.Stat(r.Filepath)
	switch {
	case err != nil && !flags.Creat:
		return nil, sftpErr(err)
	case err == nil && st.IsDir():
		return nil, &fs.PathError{Op: "open", Path: r.Filepath, Err: syscall.EISDIR}
	case err == nil && flags.Creat && flags.Excl:
		return nil, &fs.PathError{Op: "open", Path: r.Filepath, Err: syscall.EEXIST}
	}
	perm := fs.FileMode(0o644)
	if attrs := r.Attributes(); r.AttrFlags().Permissions && attrs != nil {
		perm = fs.FileMode(attrs.Mode).Perm() &^ 0o022
	}
	w := &sftpWriter{fs: h.fs, path: r.Filepath, perm: perm, appendMode: flags.Append}
	if err == nil && !flags.Trunc {
		old, rerr := h.fs.ReadFile(r.Filepath)
		if rerr != nil {
			return nil, sftpErr(rerr)
		}
		w.data = old
	}
	// The kernel creates (or truncates) the file at open.
	if err := h.fs.WriteFile(r.Filepath, w.data, perm); err != nil {
		return nil, sftpErr(err)
	}
	return w, nil
}

// sftpWriter collects writes at their offsets and stores the file on close.
// The bytes it holds beyond the file's content at open are taken from the
// tree's budget as they arrive (reserved), so an upload to a full disk fails
// with ENOSPC at the write that does not fit, as on a real disk, and never
// sits in memory first.
type sftpWriter struct {
	mu         sync.Mutex
	fs         shell.FS
	path       string
	perm       fs.FileMode
	appendMode bool
	data       []byte
	reserved   int64
}

// sftpMaxFileSize bounds a file written or truncated over SFTP. The node's
// files live in memory, so a write at a far offset (a sparse file on a real
// disk) or a truncate to a huge size would allocate all of it; past this
// size the request fails with EFBIG, as a write past the file size limit
// does, instead of taking the simulator's memory. A negative offset is
// EINVAL, as for pwrite(2).
const sftpMaxFileSize = 1 << 30

// sftpCheckSize refuses a file end the simulator will not allocate.
func sftpCheckSize(p string, off, end int64) error {
	switch {
	case off < 0:
		return &fs.PathError{Op: "write", Path: p, Err: syscall.EINVAL}
	case end > sftpMaxFileSize || end < off:
		return &fs.PathError{Op: "write", Path: p, Err: syscall.EFBIG}
	}
	return nil
}

func (w *sftpWriter) WriteAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.appendMode {
		off = int64(len(w.data))
	}
	if err := sftpCheckSize(w.path, off, off+int64(len(p))); err != nil {
		return 0, err
	}
	if end := off + int64(len(p)); end > int64(len(w.data)) {
		growth := end - int64(len(w.data))
		if err := sftpReserve(w.fs, w.path, growth); err != nil {
			return 0, err
		}
		w.reserved += growth
		w.data = append(w.data, make([]byte, growth)...)
	}
	copy(w.data[off:], p)
	return len(p), nil
}

func (w *sftpWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	sftpRelease(w.fs, w.path, w.reserved)
	w.reserved = 0
	return sftpErr(w.fs.WriteFile(w.path, w.data, w.perm))
}

// sftpReserve takes n bytes from the budget of the file system that holds p
// (shell.Reserver), all or nothing: ENOSPC when they do not fit.
func sftpReserve(f shell.FS, p string, n int64) error {
	r, ok := f.(shell.Reserver)
	if !ok || n <= 0 {
		return nil
	}
	if got := r.Reserve(p, n); got < n {
		r.Release(p, got)
		return &fs.PathError{Op: "write", Path: p, Err: syscall.ENOSPC}
	}
	return nil
}

func sftpRelease(f shell.FS, p string, n int64) {
	if r, ok := f.(shell.Reserver); ok && n > 0 {
		r.Release(p, n)
	}
}

// Filecmd runs the requests that change the tree, as sftp-server does them:
// remove is unlink (a directory is refused), rename refuses to replace an
// existing target (posix-rename replaces it), mkdir and rmdir, and setstat
// with size (truncate), permissions (chmod) and times (utime, with pmxcfs's
// rules under /etc/pve).
func (h *sftpHandler) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Remove":
		st, err := h.fs.Stat(r.Filepath)
		if err != nil {
			return sftpErr(err)
		}
		if st.IsDir() {
			return &fs.PathError{Op: "remove", Path: r.Filepath, Err: syscall.EISDIR}
		}
		return sftpErr(h.fs.Remove(r.Filepath))
	case "Rmdir":
		st, err := h.fs.Stat(r.Filepath)
		if err != nil {
			return sftpErr(err)
		}
		if !st.IsDir() {
			return &fs.PathError{Op: "rmdir", Path: r.Filepath, Err: syscall.ENOTDIR}
		}
		return sftpErr(h.fs.Remove(r.Filepath))
	case "Mkdir":
		perm := fs.FileMode(0o777)
		if attrs := r.Attributes(); r.AttrFlags().Permissions && attrs != nil {
			perm = fs.FileMode(attrs.Mode).Perm()
		}
		return sftpErr(h.fs.Mkdir(r.Filepath, perm&^0o022))
	case "Rename":
		if _, err := h.fs.Stat(r.Target); err == nil {
			return &fs.PathError{Op: "rename", Path: r.Target, Err: syscall.EEXIST}
		}
		return sftpErr(h.fs.Rename(r.Filepath, r.Target))
	case "Setstat":
		return h.setstat(r)
	case "Symlink", "Link":
		return sftp.ErrSSHFxOpUnsupported
	}
	return sftp.ErrSSHFxOpUnsupported
}

// PosixRename is the posix-rename@openssh.com extension: rename(2), which
// replaces the target.
func (h *sftpHandler) PosixRename(r *sftp.Request) error {
	return sftpErr(h.fs.Rename(r.Filepath, r.Target))
}

// setstat follows OpenSSH sftp-server.c process_setstat: truncate(2) for
// the size, chmod(2) with the mode's 07777 bits, utimes(2) for the times, in
// that order, stopping at the first failure; ownership is root's anyway.
func (h *sftpHandler) setstat(r *sftp.Request) error {
	flags, attrs := r.AttrFlags(), r.Attributes()
	if _, err := h.fs.Stat(r.Filepath); err != nil {
		return sftpErr(err)
	}
	if flags.Size {
		if err := h.truncate(r.Filepath, int64(attrs.Size)); err != nil {
			return err
		}
	}
	if flags.Permissions {
		ch, ok := h.fs.(shell.Chmoder)
		if !ok {
			return &fs.PathError{Op: "chmod", Path: r.Filepath, Err: syscall.EPERM}
		}
		if err := ch.Chmod(r.Filepath, shell.FromUnixMode(attrs.Mode)); err != nil {
			return sftpErr(err)
		}
	}
	if flags.Acmodtime {
		if err := h.fs.Chtimes(r.Filepath, attrs.ModTime()); err != nil {
			return sftpErr(err)
		}
	}
	return nil
}

// truncate is truncate(2): a file grown takes the new bytes from the
// budget before they are allocated.
func (h *sftpHandler) truncate(p string, size int64) error {
	if err := sftpCheckSize(p, 0, size); err != nil {
		return err
	}
	data, err := h.fs.ReadFile(p)
	if err != nil {
		return sftpErr(err)
	}
	growth := size - int64(len(data))
	if err := sftpReserve(h.fs, p, growth); err != nil {
		return err
	}
	if growth <= 0 {
		data = data[:size]
	} else {
		data = append(data, make([]byte, growth)...)
	}
	sftpRelease(h.fs, p, growth)
	return sftpErr(h.fs.WriteFile(p, data, 0o644))
}

// Filelist answers readdir, stat and lstat (there are no symbolic links).
func (h *sftpHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		entries, err := h.fs.ReadDir(r.Filepath)
		if err != nil {
			return nil, sftpErr(err)
		}
		infos := make([]os.FileInfo, 0, len(entries))
		for _, e := range entries {
			st, err := e.Info()
			if err != nil {
				return nil, sftpErr(err)
			}
			infos = append(infos, st)
		}
		return listerAt(infos), nil
	case "Stat", "Lstat":
		st, err := h.fs.Stat(r.Filepath)
		if err != nil {
			return nil, sftpErr(err)
		}
		return listerAt{namedInfo{FileInfo: st, name: path.Base(r.Filepath)}}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

type namedInfo struct {
	os.FileInfo
	name string
}

func (i namedInfo) Name() string { return i.name }

type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[offset:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}
