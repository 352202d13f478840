package shell

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// A file system that fills up stops an endless writer at once, with the
// message and status coreutils give (head: "error writing 'standard output':
// No space left on device", cat: "write error: ...", exit 1), long before
// the command's timeout; the tree stays usable and rm gives the space back.
func TestWritesStopAtAFullDisk(t *testing.T) {
	tree := vfs.New()
	_ = tree.MkdirAll("/tmp", 0o1777)
	_ = tree.MkdirAll("/root", 0o700)
	tree.SetCapacity(1 << 20)
	e := &Env{FS: NewMounts(tree), Programs: CoreUtils(), Home: "/root", Locks: NewLockTable(),
		Sleep: func(context.Context, time.Duration) error { return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	var out, errOut strings.Builder
	code := e.Run(ctx, "head -c 10G /dev/zero > /tmp/f", strings.NewReader(""), &out, &errOut, "")
	if time.Since(start) > 10*time.Second {
		t.Errorf("head took %v to meet the full disk", time.Since(start))
	}
	if code != 1 || errOut.String() != "head: error writing 'standard output': No space left on device\n" {
		t.Errorf("head past the capacity: %d %q", code, errOut.String())
	}
	code, stdout, stderr := run(t, e, "stat -c %s /tmp/f; echo more | cat > /tmp/g", "")
	if code != 1 || stdout != "1048576\n" || stderr != "cat: write error: No space left on device\n" {
		t.Errorf("on the full disk: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, e, "rm /tmp/f && echo more | cat > /tmp/g && cat /tmp/g", "")
	if code != 0 || stdout != "more\n" {
		t.Errorf("after rm: %d %q %q", code, stdout, stderr)
	}
	// tee streams: the file that fills fails, standard output gets it all.
	code, stdout, stderr = run(t, e, "head -c 2M /dev/zero | tee /tmp/t | wc -c; rm /tmp/t; echo x | tee -a /tmp/g >/dev/null; cat /tmp/g", "")
	if code != 0 || stdout != "2097152\nmore\nx\n" || stderr != "tee: /tmp/t: No space left on device\n" {
		t.Errorf("tee on a full disk: %d %q %q", code, stdout, stderr)
	}
}

// The trees are what the shell's optional interfaces are for.
var (
	_ Chmoder  = (*vfs.Tree)(nil)
	_ Reserver = (*vfs.Tree)(nil)
	_ Chmoder  = (*Mounts)(nil)
	_ Reserver = (*Mounts)(nil)
)
