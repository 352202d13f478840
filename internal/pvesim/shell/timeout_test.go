package shell

import (
	"context"
	"testing"
	"time"
)

// TestTimeout: timeout(1) as coreutils has it: a command that outlasts
// DURATION is stopped and the status is 124; one that ends first keeps its
// own status and output; -k is accepted; a bad interval is 125.
func TestTimeout(t *testing.T) {
	e := newEnv()
	e.Sleep = func(ctx context.Context, d time.Duration) error { // real waits, scaled down
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d / 100):
			return nil
		}
	}
	for _, c := range []struct {
		script, out string
		code        int
	}{
		{"timeout -k 5 1 sleep 60", "", 124},
		{"timeout 10 sh -c 'echo done; exit 3'", "done\n", 3},
		{"timeout 1m echo fast", "fast\n", 0},
		{"timeout x echo no", "", 125},
	} {
		start := time.Now()
		code, out, errOut := run(t, e, c.script, "")
		if code != c.code || out != c.out {
			t.Errorf("%s: %d %q (%s), want %d %q", c.script, code, out, errOut, c.code, c.out)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s took %s", c.script, time.Since(start))
		}
	}
}
