package nodeshell

import "fmt"

// The errors below carry the facts of a failure in this package's own
// terms (Config fields, nodes, addresses); the caller knows where the
// configuration came from and says what to change there.

// ConfigError is a Config that cannot work. Field names the Config field at
// fault; it is empty when no credentials are given at all.
type ConfigError struct {
	Field string // PrivateKey, Agent, HostKey, KnownHostsFile or ""
	Err   error
}

func (e *ConfigError) Error() string { return e.Err.Error() }

func (e *ConfigError) Unwrap() error { return e.Err }

// HostKeyProblem is why a node's host key was refused.
type HostKeyProblem int

const (
	HostKeyUnknown  HostKeyProblem = iota // not in the known hosts file
	HostKeyChanged                        // the known hosts file has another key for the node
	HostKeyMismatch                       // the pinned key (Config.HostKey) is another key
)

// HostKeyError is a node whose host key could not be verified.
type HostKeyError struct {
	Node, Addr string
	Problem    HostKeyProblem
	Err        error
}

func (e *HostKeyError) Error() string {
	switch e.Problem {
	case HostKeyUnknown:
		return fmt.Sprintf("ssh to node %s (%s): its host key is not in the known hosts file", e.Node, e.Addr)
	case HostKeyChanged:
		return fmt.Sprintf("ssh to node %s (%s): the host key does not match the known hosts file; if the node was reinstalled, update the entry, "+
			"otherwise someone may be intercepting the connection", e.Node, e.Addr)
	}
	return fmt.Sprintf("ssh to node %s (%s): the host key does not match the pinned host key", e.Node, e.Addr)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// AuthError is a node that refused every credential offered.
type AuthError struct {
	Node, Addr, User string
	Err              error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("ssh to node %s (%s) as %s: authentication failed", e.Node, e.Addr, e.User)
}

func (e *AuthError) Unwrap() error { return e.Err }

// AddressError is a node whose SSH address is unknown: Config.Nodes does
// not name it, and the cluster could not tell (Err, nil without Resolve).
type AddressError struct {
	Node string
	Err  error
}

func (e *AddressError) Error() string {
	if e.Err == nil {
		return "no SSH address for node " + e.Node
	}
	return fmt.Sprintf("finding the address of node %s: %v", e.Node, e.Err)
}

func (e *AddressError) Unwrap() error { return e.Err }
