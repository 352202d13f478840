package pvesim

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// maxNodes bounds the simulated cluster; every node serves its own SSH.
const maxNodes = 32

// nodeNameRe is pve-common's pve_verify_node_name (src/PVE/JSONSchema.pm,
// format pve-node): letters, digits and inner hyphens.
var nodeNameRe = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$`)

// validNodeName tells why a name cannot be a PVE node's, with PVE's message.
func validNodeName(name string) error {
	if !nodeNameRe.MatchString(name) {
		return fmt.Errorf("node name %q: value does not look like a valid node name", name)
	}
	return nil
}

// resolveTopology fills Options.Nodes and NodeNames from each other and
// checks the names and addresses: the default is pve1..pve3 on 127.0.0.1.
func resolveTopology(opts *Options) error {
	opts.namesGiven = len(opts.NodeNames) > 0
	if opts.namesGiven {
		if opts.Nodes != 0 && opts.Nodes != len(opts.NodeNames) {
			return fmt.Errorf("nodes: %d nodes but %d names given", opts.Nodes, len(opts.NodeNames))
		}
		opts.Nodes = len(opts.NodeNames)
	}
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.Nodes < 1 || opts.Nodes > maxNodes {
		return fmt.Errorf("nodes must be between 1 and %d, got %d", maxNodes, opts.Nodes)
	}
	if len(opts.NodeNames) == 0 {
		for i := range opts.Nodes {
			opts.NodeNames = append(opts.NodeNames, "pve"+strconv.Itoa(i+1))
		}
	}
	seen := map[string]bool{}
	for _, name := range opts.NodeNames {
		if err := validNodeName(name); err != nil {
			return err
		}
		// pmxcfs keys nodes by name case-insensitively (/etc/pve/nodes on
		// a case-folding view would clash); PVE refuses such a join.
		if seen[strings.ToLower(name)] {
			return fmt.Errorf("node name %q is given twice", name)
		}
		seen[strings.ToLower(name)] = true
	}
	if len(opts.NodeAddresses) == 0 {
		return nil
	}
	if len(opts.NodeAddresses) != opts.Nodes {
		return fmt.Errorf("node addresses: %d given for %d nodes; give one per node", len(opts.NodeAddresses), opts.Nodes)
	}
	for i, addr := range opts.NodeAddresses {
		ip := net.ParseIP(addr)
		if ip == nil {
			return fmt.Errorf("node address %q is not an IP address", addr)
		}
		opts.NodeAddresses[i] = ip.String()
		if slices.Contains(opts.NodeAddresses[:i], ip.String()) {
			return fmt.Errorf("node address %s is given twice", ip)
		}
	}
	return nil
}

// nodeAddress is the IP of the i-th node of a fresh cluster.
func (s *Simulator) nodeAddress(i int) string {
	if len(s.opts.NodeAddresses) > i {
		return s.opts.NodeAddresses[i]
	}
	return "127.0.0.1"
}

// sshListenAddr is where node i's SSH listens: on its own address and the
// configured port when nodes have addresses of their own, else on the
// configured host with ports counting up from the configured one (0: random).
func (s *Simulator) sshListenAddr(i int, n *node, host string, base int) string {
	if len(s.opts.NodeAddresses) > 0 {
		return net.JoinHostPort(n.IP, strconv.Itoa(base))
	}
	port := 0
	if base != 0 {
		port = base + i
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// checkStateTopology refuses a state file whose nodes differ from the ones
// asked for: the cluster would silently not be the one the caller expects.
func (s *Simulator) checkStateTopology() error {
	names := make([]string, len(s.nodes))
	addrs := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		names[i], addrs[i] = n.Name, n.IP
	}
	if s.opts.namesGiven && !slices.Equal(names, s.opts.NodeNames) {
		return fmt.Errorf("state file %s holds the nodes %s, not %s; remove it or pass another -state path",
			s.opts.StatePath, strings.Join(names, ","), strings.Join(s.opts.NodeNames, ","))
	}
	if len(s.opts.NodeAddresses) > 0 && !slices.Equal(addrs, s.opts.NodeAddresses) {
		return fmt.Errorf("state file %s holds nodes at %s, not %s; remove it or pass another -state path",
			s.opts.StatePath, strings.Join(addrs, ","), strings.Join(s.opts.NodeAddresses, ","))
	}
	return nil
}
