package nodeshell

import (
	"fmt"
	"net"
)

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
	// For a known hosts file: the file, and the entries looked up (for
	// HostKeyUnknown, the node's name and its address) or the one whose key
	// differs (HostKeyChanged, at Line of File).
	File    string
	Line    int
	Entries []string
	Err     error
}

func (e *HostKeyError) Error() string {
	switch {
	case e.Problem == HostKeyUnknown && len(e.Entries) > 0:
		return fmt.Sprintf("ssh to node %s (%s): its host key is %s; %s", e.Node, e.Addr, entriesText(e.File, e.Entries),
			addKnownHostAdvice(e.Node, e.Addr, e.File))
	case e.Problem == HostKeyUnknown:
		return fmt.Sprintf("ssh to node %s (%s): its host key is not in the known hosts file", e.Node, e.Addr)
	case e.Problem == HostKeyChanged && len(e.Entries) > 0:
		return fmt.Sprintf("ssh to node %s (%s): the host key does not match the known hosts file (%s line %d, entry %s); "+
			"if the node was reinstalled, update the entry (ssh-keygen -R %s -f %s, then add the new key), "+
			"otherwise someone may be intercepting the connection",
			e.Node, e.Addr, e.File, e.Line, e.Entries[0], e.Entries[0], e.File)
	case e.Problem == HostKeyChanged:
		return fmt.Sprintf("ssh to node %s (%s): the host key does not match the known hosts file; if the node was reinstalled, update the entry, "+
			"otherwise someone may be intercepting the connection", e.Node, e.Addr)
	}
	return fmt.Sprintf("ssh to node %s (%s): the host key does not match the pinned host key", e.Node, e.Addr)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// AuthError is a node that refused every credential offered.
type AuthError struct {
	Node, Addr, User string
	// Offered names the Config fields whose credentials were offered
	// (PrivateKey, Password, Agent), so that the caller can say which of
	// its settings the node refused.
	Offered []string
	Err     error
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

// entriesText names the known_hosts entries looked up: the node's name and
// its address, or the one of them.
func entriesText(file string, entries []string) string {
	if len(entries) == 2 {
		return fmt.Sprintf("not in the known hosts file %s, neither under the node's name (%s) nor under its address (%s)", file, entries[0], entries[1])
	}
	return fmt.Sprintf("not in the known hosts file %s under the node's name and address (%s)", file, entries[0])
}

// addKnownHostAdvice says how to add the node: scan both names, checking the
// fingerprint on the node, or take the cluster's own list.
func addKnownHostAdvice(node, addr, file string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "22"
	}
	portFlag := ""
	if port != "22" {
		portFlag = "-p " + port + " "
	}
	names := node + " " + host
	if host == node {
		names = node
	}
	cluster := clusterKnownHostsCommand(port)
	return fmt.Sprintf("add the node's key under both: ssh-keyscan -H %s%s >> %s "+
		"(compare the fingerprints with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the node), "+
		"or append the cluster's own list, each node's name and key as pvecm updatecerts writes them "+
		"(%s, run on a node), to %s", portFlag, names, file, cluster, file)
}

// clusterKnownHostsCommand prints, on a node, a known_hosts line for every
// node of the cluster: pvecm updatecerts writes /etc/pve/nodes/<node>/
// ssh_known_hosts as "<node> ssh-rsa <key>" without a newline (awk adds
// it), for port 22; another port is written into each name, as
// known_hosts spells it.
func clusterKnownHostsCommand(port string) string {
	if port == "22" {
		return "awk 1 /etc/pve/nodes/*/ssh_known_hosts"
	}
	return `awk '{ $1 = "[" $1 "]:` + port + `"; print }' /etc/pve/nodes/*/ssh_known_hosts`
}
