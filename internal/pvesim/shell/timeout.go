package shell

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// timeoutProgram is coreutils' timeout(1): it runs COMMAND and, when
// DURATION passes first, stops it and exits 124. -k and -s are accepted
// (a simulated command stops at once when its context ends, so the kill
// after -k is never needed). Durations take coreutils' s, m, h and d
// suffixes; the wait is simulated time (Env.Sleep), as sleep's is.
func timeoutProgram(c *Call) int {
	args := c.Args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch a := args[0]; {
		case (a == "-k" || a == "-s" || a == "--kill-after" || a == "--signal") && len(args) > 1:
			args = args[2:]
		case strings.HasPrefix(a, "--kill-after=") || strings.HasPrefix(a, "--signal=") || a == "--foreground" || a == "--preserve-status":
			args = args[1:]
		default:
			c.Errorf("invalid option -- '%s'", strings.TrimLeft(a, "-"))
			return 125
		}
	}
	if len(args) < 2 {
		c.Errorf("missing operand")
		return 125
	}
	limit, ok := timeoutDuration(args[0])
	if !ok {
		c.Errorf("invalid time interval '%s'", args[0])
		return 125
	}
	ctx, cancel := context.WithCancel(c.Ctx)
	defer cancel()
	fired := make(chan struct{})
	if limit > 0 { // 0 disables the timeout
		go func() {
			if c.Env.Sleep(ctx, limit) == nil {
				close(fired)
				cancel()
			}
		}()
	}
	code := c.Env.Run(ctx, QuoteArgs(args[1:]), c.Stdin, c.Stdout, c.Stderr, c.Dir)
	select {
	case <-fired:
		return 124
	default:
		return code
	}
}

// timeoutDuration reads a duration as timeout(1) does: a number with an
// optional unit, seconds by default.
func timeoutDuration(s string) (time.Duration, bool) {
	unit := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = strings.TrimSuffix(s, "s")
	case strings.HasSuffix(s, "m"):
		s, unit = strings.TrimSuffix(s, "m"), time.Minute
	case strings.HasSuffix(s, "h"):
		s, unit = strings.TrimSuffix(s, "h"), time.Hour
	case strings.HasSuffix(s, "d"):
		s, unit = strings.TrimSuffix(s, "d"), 24*time.Hour
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n * float64(unit)), true
}
