package nodeshell

import (
	"context"
	"fmt"
)

// Check connects to a node, or finds its connection open, and runs nothing:
// the address, the host key and the credentials are proven by the
// handshake alone. The connection stays for the commands that follow.
func (r *Runner) Check(ctx context.Context, node string) error {
	_, err := r.client(ctx, node)
	return err
}

// UnreachableError is a node whose SSH server could not be reached or did
// not complete the handshake in time.
type UnreachableError struct {
	Node, Addr string
	// Timeout: the connection or the handshake did not complete within the
	// dial timeout; a busy node may answer later. Otherwise the connection
	// failed outright (refused, no route, a name that does not resolve).
	Timeout bool
	Err     error
}

func (e *UnreachableError) Error() string {
	if e.Timeout {
		return fmt.Sprintf("ssh to node %s (%s): %v; is an SSH server listening there?", e.Node, e.Addr, e.Err)
	}
	return fmt.Sprintf("ssh to node %s (%s): %v", e.Node, e.Addr, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
