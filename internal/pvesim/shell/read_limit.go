package shell

import (
	"errors"
	"fmt"
	"io"
)

// maxInputBytes bounds what a program that takes its whole input into
// memory (wc, sort, grep, sed, awk, tee, xargs here; the real ones stream or
// spill to temporary files) may read: without it `wc -c </dev/zero` would
// grow until the command's timeout and could take the machine's memory.
// Past it the program fails as coreutils does when an allocation fails
// (xalloc_die: "memory exhausted", exit status 1). A variable so that tests
// can reach the limit without reading 256 MiB.
var maxInputBytes = 256 << 20

var errMemoryExhausted = errors.New("memory exhausted")

// readAll reads r to its end, at most maxInputBytes; past them it prints
// "<prog>: memory exhausted" once and marks the call failed, and returns
// what it read with errMemoryExhausted.
func readAll(c *Call, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxInputBytes)+1))
	if len(data) <= maxInputBytes {
		return data, err
	}
	if !c.exhausted {
		fmt.Fprintf(c.Stderr, "%s: memory exhausted\n", c.Args[0])
		c.exhausted = true
	}
	return data[:maxInputBytes], errMemoryExhausted
}
