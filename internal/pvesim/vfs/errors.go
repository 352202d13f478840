package vfs

import (
	"errors"
	"io/fs"
	"syscall"
)

// These are the errno values the shell tools print, as a kernel would report them.
var (
	errIsDir    = syscall.EISDIR
	errNotDir   = syscall.ENOTDIR
	errNotEmpty = syscall.ENOTEMPTY
)

func errorsIsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
