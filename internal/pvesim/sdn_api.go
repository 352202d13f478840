package pvesim

import (
	"errors"
	"strings"
	"time"
)

// sdnRoutes registers PVE's SDN paths (pve-network src/PVE/API2/Network/
// SDN.pm and its Zones, Vnets, Subnets and Ipams modules): what an
// isolated network of simple zones needs. Controllers, DNS, fabrics (9.x),
// the global lock and rollback (9.x) are not served.
func (s *Simulator) sdnRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/cluster/sdn":                      {"GET": s.sdnIndex, "PUT": s.applySDN},
		"/cluster/sdn/zones":                {"GET": s.listZones, "POST": s.createZone},
		"/cluster/sdn/zones/{zone}":         {"GET": s.readZone, "PUT": s.updateZone, "DELETE": s.deleteZone},
		"/cluster/sdn/vnets":                {"GET": s.listVnets, "POST": s.createVnet},
		"/cluster/sdn/vnets/{vnet}":         {"GET": s.readVnet, "PUT": s.updateVnet, "DELETE": s.deleteVnet},
		"/cluster/sdn/vnets/{vnet}/subnets": {"GET": s.listSubnets, "POST": s.createSubnet},
		"/cluster/sdn/vnets/{vnet}/subnets/{subnet}": {
			"GET": s.readSubnet, "PUT": s.updateSubnet, "DELETE": s.deleteSubnet,
		},
		"/cluster/sdn/ipams/{ipam}/status": {"GET": s.ipamStatus},
	}
}

// sdnIndex is SDN.pm index; 9.x lists its fabrics too.
func (s *Simulator) sdnIndex(r *request) (any, error) {
	out := []any{}
	ids := []string{"vnets", "zones", "controllers", "ipams", "dns"}
	if strings.HasPrefix(s.release, "9") {
		ids = append(ids, "fabrics")
	}
	for _, id := range ids {
		out = append(out, map[string]any{"id": id})
	}
	return out, nil
}

// applySDN is SDN.pm reload: the pending files become the running config
// (commit_config; under lock_sdn_config in 9.x), then a reloadnetworkall
// task on the node that answered runs `pvesh set /nodes/<node>/network` for
// every node, as root: each node's srvreload task writes its
// /etc/network/interfaces.d/sdn (generateSDNNodeConfig) and brings the
// vnets up. The other nodes' reloads may end after the apply task: a client
// that needs the vnet on a node waits for /cluster/resources to show the
// zone "available" there.
func (s *Simulator) applySDN(r *request) (any, error) {
	commit := func() error { return s.commitSDN() }
	if strings.HasPrefix(s.release, "9") {
		if aerr := s.lockSDN("could not commit SDN config", commit); aerr != nil {
			return nil, aerr
		}
	} else if !s.quorate() {
		// cfs_write_file of the running config on a read-only pmxcfs.
		return nil, fail("unable to open file '/etc/pve%s.tmp.%d' - Permission denied", sdnRunningPath, s.pvedaemonPID())
	} else if err := commit(); err != nil {
		return nil, fail("%s", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes := append([]*node(nil), s.nodes...)
	tk := s.startTask(s.nodes[0], "reloadnetworkall", "", r.userForTask(), func(t *taskCtx) error {
		if !s.quorate() {
			return errNoQuorum
		}
		for _, n := range nodes {
			t.logf("%s: reloading network config", n.Name)
			// pvesh proxies to the node; for one that is down it dies
			// (exit 255), which the worker only warns about.
			if s.checkNodeReachable(n.Name) != nil {
				t.warnf("command 'pvesh set /nodes/%s/network' failed: exit code 255", n.Name)
				continue
			}
			upid, err := s.reloadNetwork(&request{method: "PUT", route: "/nodes/{node}/network", authid: "root@pam",
				acc: r.acc, params: map[string]string{"node": n.Name}})
			if err != nil {
				t.warnf("%s", err.Error())
				continue
			}
			// pvesh runs the local node's srvreload in the foreground (a CLI
			// fork_worker); another node's API only returns its UPID, so
			// that reload may still run when this task ends.
			id, _ := upid.(string)
			if tk, ferr := s.findTask(n.Name, id); ferr == nil && n == s.nodes[0] {
				select {
				case <-tk.done:
				case <-t.Done():
					return t.Err()
				}
				// A failed reload (dnsmasq missing) fails pvesh, which
				// the worker only warns about.
				tk.mu.Lock()
				exit := tk.ExitStatus
				tk.mu.Unlock()
				if exit != "OK" && !strings.HasPrefix(exit, "WARNINGS") {
					t.warnf("command 'pvesh set /nodes/%s/network' failed: exit code 255", n.Name)
				}
			}
		}
		return t.sleep(time.Second)
	})
	return tk.UPID, nil
}

// errNoQuorum is check_cfs_quorum's death.
var errNoQuorum = errors.New("cluster not ready - no quorum?")

// sdnResources are /cluster/resources' sdn entries of the applied zones
// (pve-manager PVE/API2/Cluster.pm resources, from the "sdn" key-value
// that pvestatd broadcasts: PVE::Network::SDN::Zones::status): per node, a
// zone it has, "available" once the node's interfaces.d/sdn is of the
// running version, "pending" before; only with SDN.Audit on the zone.
func (s *Simulator) sdnResources(r *request) []any {
	run := s.sdnRunningConfig()
	if run.Version == 0 {
		return nil
	}
	out := []any{}
	for _, n := range s.nodes {
		status := "available"
		if nodeSDNVersion(n) < run.Version {
			status = "pending"
		}
		for _, id := range sortedKeys(run.Zones.IDs) {
			if !zoneOnNode(run.Zones.IDs[id], n.Name) || !r.acc.has(r.authid, "/sdn/zones/"+id, "SDN.Audit") {
				continue
			}
			out = append(out, map[string]any{"id": "sdn/" + n.Name + "/" + id, "sdn": id, "node": n.Name, "type": "sdn",
				"status": status})
		}
	}
	return out
}

// zoneOnNode is the plugins' "nodes" restriction: a zone without one is on
// every node.
func zoneOnNode(zone sdnObj, node string) bool {
	set, ok := zone["nodes"].(map[string]any)
	if !ok {
		return true
	}
	_, on := set[node]
	return on
}
