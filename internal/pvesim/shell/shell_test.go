package shell

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

func newEnv() *Env {
	root, etc := vfs.New(), vfs.New()
	_ = root.MkdirAll("/root", 0o755)
	_ = root.MkdirAll("/tmp", 0o755)
	return &Env{
		FS: NewMounts(root).Mount("/etc/pve", etc), Programs: CoreUtils(), Home: "/root", Locks: NewLockTable(),
		Sleep: func(ctx context.Context, d time.Duration) error { return nil },
	}
}

func run(t *testing.T, e *Env, script, stdin string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := e.Run(context.Background(), script, strings.NewReader(stdin), &out, &errOut, "")
	return code, out.String(), errOut.String()
}

func TestCoreUtils(t *testing.T) {
	e := newEnv()
	tests := []struct {
		script, stdin, out string
		code               int
		errContains        string
	}{
		{script: "echo hi > f && cat f", out: "hi\n"},
		{script: "cat nothere", code: 1, errContains: "cat: nothere: No such file or directory"},
		{script: "mkdir d && mkdir d", code: 1, errContains: "mkdir: cannot create directory 'd': File exists"},
		{script: "mkdir -p a/b/c && ls a/b", out: "c\n"},
		{script: "printf 'x\\ny\\nz\\n' | tail -n 2", out: "y\nz\n"},
		{script: "cat > g && wc -l g", stdin: "1\n2\n", out: "2\n"},
		{script: "echo abc | grep -q b && echo found", out: "found\n"},
		{script: "rmdir nothere", code: 1, errContains: "No such file or directory"},
		{script: "touch -d @0 t && stat -c %Y t", out: "0\n"},
		{script: "echo x > /tmp/s && mv /tmp/s /etc/pve/s && cat /etc/pve/s && test ! -e /tmp/s", out: "x\n"},
		{script: "frobnicate", code: 127, errContains: "bash: line 1: frobnicate: command not found"},
		{script: "sh -c 'exit 3'", code: 3},
		{script: "flock /tmp/l echo locked", out: "locked\n"},
		{script: "f=$(mktemp -p /tmp) && test -f $f && echo ok", out: "ok\n"},
		{script: "echo aGk= | base64 -d", out: "hi"},
		{script: "for i in 1 2 3; do echo $i; done | head -n 1", out: "1\n"},
		{script: "cd /etc/pve && pwd", out: "/etc/pve\n"},
	}
	for _, tc := range tests {
		t.Run(tc.script, func(t *testing.T) {
			code, out, errOut := run(t, e, tc.script, tc.stdin)
			if code != tc.code || (tc.out != "" && out != tc.out) || !strings.Contains(errOut, tc.errContains) {
				t.Errorf("got %d %q %q, want %d %q %q", code, out, errOut, tc.code, tc.out, tc.errContains)
			}
		})
	}
}

func TestFlockNonBlocking(t *testing.T) {
	e := newEnv()
	slot := e.Locks.slot("/tmp/lk")
	slot <- struct{}{}
	if code, _, _ := run(t, e, "flock -n /tmp/lk true", ""); code != 1 {
		t.Errorf("flock -n on a held lock: %d", code)
	}
	<-slot
	if code, _, _ := run(t, e, "flock -n /tmp/lk true", ""); code != 0 {
		t.Errorf("flock -n on a free lock: %d", code)
	}
}
