package shell

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A program that reads its whole input stops at maxInputBytes with
// "memory exhausted" and exit status 1, long before a generous timeout,
// rather than growing with an endless input until the machine runs out.
func TestWholeInputReadersStopAtTheLimit(t *testing.T) {
	// The rule, not the size: a 1 MiB limit keeps the test quick under -race.
	defer func(old int) { maxInputBytes = old }(maxInputBytes)
	maxInputBytes = 1 << 20
	e := newEnv()
	for _, tc := range []struct{ script, errText string }{
		{"wc -c </dev/zero", "wc: memory exhausted\n"},
		{"sort </dev/zero", "sort: memory exhausted\n"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		start := time.Now()
		var out, errOut strings.Builder
		code := e.Run(ctx, tc.script, strings.NewReader(""), &out, &errOut, "")
		cancel()
		if code != 1 || errOut.String() != tc.errText || time.Since(start) > 20*time.Second {
			t.Errorf("%s: %d %q after %v, want 1 %q", tc.script, code, errOut.String(), time.Since(start), tc.errText)
		}
	}
}
