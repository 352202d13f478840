package pvesim

import (
	"fmt"
	"sort"
	"strings"
)

// clusterConfigRoutes are the paths of /cluster/config (pve-cluster
// src/PVE/API2/ClusterConfig.pm).
func (s *Simulator) clusterConfigRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/cluster/config/nodes": {"GET": s.clusterConfigNodes},
	}
}

// corosyncConf is /etc/pve/corosync.conf as pvecm writes it for the
// cluster: one nodelist entry per node with its address as ring0_addr.
func (s *Simulator) corosyncConf() string {
	var b strings.Builder
	b.WriteString("logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n")
	for i, n := range s.nodes {
		fmt.Fprintf(&b, "  node {\n    name: %s\n    nodeid: %d\n    quorum_votes: 1\n    ring0_addr: %s\n  }\n", n.Name, i+1, n.IP)
	}
	b.WriteString("}\n\nquorum {\n  provider: corosync_votequorum\n}\n\n")
	fmt.Fprintf(&b, "totem {\n  cluster_name: %s\n  config_version: %d\n", s.clusterName, len(s.nodes))
	b.WriteString("  interface {\n    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n")
	return b.String()
}

// corosyncNodelist reads the nodelist section of corosync.conf as
// PVE::Corosync::parse_conf does: every value a string, nodes keyed by name.
func corosyncNodelist(conf string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var path []string
	var cur map[string]string
	for _, raw := range strings.Split(conf, "\n") {
		line := strings.TrimSpace(raw)
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "":
		case strings.HasSuffix(line, "{"):
			path = append(path, strings.TrimSpace(strings.TrimSuffix(line, "{")))
			if strings.Join(path, "/") == "nodelist/node" {
				cur = map[string]string{}
			}
		case line == "}":
			if strings.Join(path, "/") == "nodelist/node" && cur != nil && cur["name"] != "" {
				out[cur["name"]] = cur
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			cur = nil
		default:
			if key, value, ok := strings.Cut(line, ":"); ok && cur != nil {
				cur[strings.TrimSpace(key)] = strings.TrimSpace(value)
			}
		}
	}
	return out
}

// clusterConfigNodes is ClusterConfig.pm's nodes GET: corosync.conf's
// nodelist turned into an array, each entry's key also under "node"
// (PVE::RESTHandler::hash_to_array). PVE leaves the order to Perl's hash;
// the simulator sorts by name.
func (s *Simulator) clusterConfigNodes(*request) (any, error) {
	raw, err := s.cfs.ReadFile("/corosync.conf")
	if err != nil {
		return []map[string]string{}, nil
	}
	nodes := corosyncNodelist(string(raw))
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]map[string]string, 0, len(names))
	for _, name := range names {
		entry := nodes[name]
		entry["node"] = name
		out = append(out, entry)
	}
	return out, nil
}
