package shell

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LockTable holds flock(1) locks by path for one machine.
type LockTable struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// NewLockTable returns an empty lock table.
func NewLockTable() *LockTable { return &LockTable{locks: map[string]chan struct{}{}} }

func (t *LockTable) slot(p string) chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch, ok := t.locks[p]
	if !ok {
		ch = make(chan struct{}, 1)
		t.locks[p] = ch
	}
	return ch
}

// Acquire takes the exclusive lock on p as flock(2) in another process
// would (PVE's own tools lock files so, e.g. PVE::Tools::lock_file): at
// once when it is free, else waiting at most wait (forever when negative,
// not at all when zero) or until ctx ends. It returns the function that
// releases the lock, or false when the lock was not had.
func (t *LockTable) Acquire(ctx context.Context, p string, wait time.Duration) (func(), bool) {
	slot := t.slot(p)
	release := func() { <-slot }
	select {
	case slot <- struct{}{}:
		return release, true
	default:
	}
	if wait == 0 {
		return nil, false
	}
	var timeout <-chan time.Time
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case slot <- struct{}{}:
		return release, true
	case <-timeout:
	case <-ctx.Done():
	}
	return nil, false
}

// flockProgram is flock [-n] [-w SECONDS] FILE COMMAND [ARGS...] (or -c CMD):
// it holds an exclusive lock on FILE while the command runs.
func flockProgram(c *Call) int {
	args := c.Args[1:]
	nonBlock := false
	wait := time.Duration(-1)
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		switch args[0] {
		case "-n", "--nonblock":
			nonBlock = true
		case "-x", "-e", "--exclusive":
		case "-w", "--timeout":
			if len(args) < 2 {
				return c.Errorf("option requires an argument -- 'w'")
			}
			secs, err := strconv.ParseFloat(args[1], 64)
			if err != nil {
				return c.Errorf("invalid timeout value: '%s'", args[1])
			}
			wait = time.Duration(secs * float64(time.Second))
			args = args[1:]
		default:
			goto done
		}
		args = args[1:]
	}
done:
	if len(args) < 2 {
		return c.Errorf("usage: flock [-n] [-w SECONDS] FILE COMMAND [ARGS...]")
	}
	file := c.Abs(args[0])
	if _, err := c.Env.FS.Stat(file); err != nil {
		if err := c.Env.FS.WriteFile(file, nil, 0o644); err != nil {
			return c.Errorf("cannot open lock file %s: %s", args[0], errText(err))
		}
	}
	if nonBlock {
		wait = 0
	}
	release, ok := c.Env.Locks.Acquire(c.Ctx, file, wait)
	if !ok {
		return 1
	}
	defer release()
	cmd := args[1:]
	if cmd[0] == "-c" && len(cmd) >= 2 {
		return c.Env.Run(c.Ctx, cmd[1], c.Stdin, c.Stdout, c.Stderr, c.Dir)
	}
	return c.Env.Run(c.Ctx, QuoteArgs(cmd), c.Stdin, c.Stdout, c.Stderr, c.Dir)
}

// QuoteArgs makes a shell command line that runs argv exactly.
func QuoteArgs(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
