package pvesim

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodesWithOwnAddresses starts a 9.1 cluster of named nodes on their own
// loopback addresses: /cluster/status reports each node's ip (pve-cluster
// PVE/API2/ClusterConfig.pm via /cluster/status's members), /cluster/config/nodes
// is corosync.conf's nodelist (ClusterConfig.pm nodes: PVE::Corosync::nodelist
// through hash_to_array, values as strings plus "node"), and SSH to the
// second node at 127.0.0.3 works.
func TestNodesWithOwnAddresses(t *testing.T) {
	sim := startSim(t, Options{
		PVEVersion: "9.1", NodeNames: []string{"pve", "pve2"},
		NodeAddresses: []string{"127.0.0.2", "127.0.0.3"}, SSHListen: "127.0.0.1:0",
	})
	status := mustSlice(t, data(call(t, sim, http.MethodGet, "/cluster/status", nil)))
	ips := map[string]any{}
	for _, item := range status[1:] {
		m := mustMap(t, item)
		ips[mustString(t, m["name"])] = m["ip"]
	}
	if ips["pve"] != "127.0.0.2" || ips["pve2"] != "127.0.0.3" || mustMap(t, status[0])["nodes"] != float64(2) {
		t.Errorf("/cluster/status = %v", status)
	}
	nodes := mustSlice(t, data(call(t, sim, http.MethodGet, "/cluster/config/nodes", nil)))
	if len(nodes) != 2 {
		t.Fatalf("/cluster/config/nodes = %v", nodes)
	}
	second := mustMap(t, nodes[1])
	if second["node"] != "pve2" || second["name"] != "pve2" || second["ring0_addr"] != "127.0.0.3" || second["nodeid"] != "2" ||
		second["quorum_votes"] != "1" {
		t.Errorf("pve2's nodelist entry = %v", second)
	}
	info := sim.Info()
	host, _, err := net.SplitHostPort(info.SSHNodes["pve2"])
	if err != nil || host != "127.0.0.3" || info.NodeAddresses["pve2"] != "127.0.0.3" {
		t.Fatalf("pve2's SSH at %q, address %q", info.SSHNodes["pve2"], info.NodeAddresses["pve2"])
	}
	if code, out, _ := sshRun(t, sim, "pve2", "hostname; cat /etc/debian_version", ""); code != 0 || out != "pve2\n13.2\n" {
		t.Errorf("ssh pve2: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve2", "grep -c ring0_addr /etc/pve/corosync.conf", ""); code != 0 || strings.TrimSpace(out) != "2" {
		t.Errorf("corosync.conf on pve2: %d %q", code, out)
	}
}

// TestNodeNamesAreValidated follows pve-common's pve_verify_node_name
// (src/PVE/JSONSchema.pm, format pve-node).
func TestNodeNamesAreValidated(t *testing.T) {
	cases := []struct {
		opts Options
		want string
	}{
		{Options{NodeNames: []string{"pve_2"}}, `node name "pve_2": value does not look like a valid node name`},
		{Options{NodeNames: []string{"pve-"}}, "value does not look like a valid node name"},
		{Options{NodeNames: []string{"pve.example.com"}}, "value does not look like a valid node name"},
		{Options{NodeNames: []string{"pve", "PVE"}}, `node name "PVE" is given twice`},
		{Options{Nodes: 3, NodeNames: []string{"a", "b"}}, "3 nodes but 2 names given"},
		{Options{Nodes: 2, NodeAddresses: []string{"127.0.0.2"}}, "1 given for 2 nodes"},
		{Options{Nodes: 1, NodeAddresses: []string{"localhost"}}, `node address "localhost" is not an IP address`},
		{Options{Nodes: 2, NodeAddresses: []string{"127.0.0.2", "127.0.0.2"}}, "node address 127.0.0.2 is given twice"},
		{Options{Nodes: 33}, "nodes must be between 1 and 32"},
	}
	for _, tc := range cases {
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
	for _, good := range []string{"pve", "a", "node-1", "PVE01"} {
		if err := validNodeName(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
}

// TestStateFileKeepsItsNodes: a state file's nodes and addresses come back
// as they were; asking for other names or addresses is an error.
func TestStateFileKeepsItsNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sim := startSim(t, Options{NodeNames: []string{"alpha", "beta"}, NodeAddresses: []string{"127.0.0.4", "127.0.0.5"}, StatePath: path})
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if again.nodes[1].Name != "beta" || again.nodes[1].IP != "127.0.0.5" {
		t.Errorf("reloaded node %+v", again.nodes[1])
	}
	if _, err := New(Options{NodeNames: []string{"alpha", "gamma"}, StatePath: path}); err == nil ||
		!strings.Contains(err.Error(), "holds the nodes alpha,beta, not alpha,gamma") {
		t.Errorf("other names: %v", err)
	}
	if _, err := New(Options{Nodes: 2, NodeAddresses: []string{"127.0.0.4", "127.0.0.6"}, StatePath: path}); err == nil ||
		!strings.Contains(err.Error(), "holds nodes at 127.0.0.4,127.0.0.5") {
		t.Errorf("other addresses: %v", err)
	}
}
