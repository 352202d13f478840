package shell

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestEndlessDevicesEndWithTheContext: /dev/zero and /dev/urandom never
// end, so a program that reads them whole (wc, sort) or that never writes
// (tr -d of every byte, which on Linux would spin until killed) must stop
// when the command's context ends: the simulator's timeout is the kill that
// ends such a pipeline on a real node.
func TestEndlessDevicesEndWithTheContext(t *testing.T) {
	e := newEnv()
	for _, script := range []string{
		"wc -c </dev/zero",
		"tr -d '\\0' </dev/zero | head -c 1",
		"sort </dev/urandom",
		"head -c 100000000000 /dev/zero >/dev/null",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		done := make(chan struct{})
		go func() {
			defer close(done)
			var out, errOut strings.Builder
			e.Run(ctx, script, strings.NewReader(""), &out, &errOut, "")
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%q still runs 5 s after its context ended", script)
		}
		cancel()
	}
}
