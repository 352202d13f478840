package shell

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
)

// outputWatch remembers the first error a program's standard output gave.
// coreutils programs check their writes (close_stdout) and fail when the
// disk is full; the simulated programs write without checking, so the shell
// does the check for them.
type outputWatch struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (o *outputWatch) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		o.mu.Lock()
		if o.err == nil {
			o.err = err
		}
		o.mu.Unlock()
	}
	return n, err
}

func (o *outputWatch) failure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// reportWriteError prints what coreutils prints when standard output could
// not be written because the file system refused it (a full disk, a file
// past its size limit) and gives exit status 1; other write errors (a pipe
// whose reader left) end the program quietly, as SIGPIPE does. head and tail
// say "error writing 'standard output'" (their xwrite_stdout), the others
// close_stdout's "write error".
func reportWriteError(stderr io.Writer, name string, err error) int {
	if err == nil || (!errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EFBIG)) {
		return 0
	}
	if name == "head" || name == "tail" {
		fmt.Fprintf(stderr, "%s: error writing 'standard output': %s\n", name, errText(err))
	} else {
		fmt.Fprintf(stderr, "%s: write error: %s\n", name, errText(err))
	}
	return 1
}
