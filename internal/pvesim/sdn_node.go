package pvesim

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A node's side of SDN: the vnets of the running config become bridges when
// the node reloads its network (pve-network src/PVE/Network/SDN/Zones.pm
// generate_etc_network_config writes /etc/network/interfaces.d/sdn, which
// ifreload brings up). Only simple zones are generated here
// (SimplePlugin.pm generate_sdn_config); vnets of the other zone types get
// no bridge in the simulator.
const sdnInterfacesPath = "/etc/network/interfaces.d/sdn"

var sdnVersionRe = regexp.MustCompile(`^#version:(\d+)`)

// generateSDNNodeConfig is generate_zone_config, run by a node's srvreload
// task: nothing before the first apply, else the running config's vnets of
// the zones on this node. The caller must not hold s.mu.
func (s *Simulator) generateSDNNodeConfig(n *node) {
	run := s.sdnRunningConfig()
	if run.Version == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#version:%d\n", run.Version)
	for _, id := range sortedKeys(run.Vnets.IDs) {
		zone := run.Zones.IDs[sdnString(run.Vnets.IDs[id]["zone"])]
		if zone == nil || zone["type"] != "simple" || !zoneOnNode(zone, n.Name) {
			continue
		}
		fmt.Fprintf(&b, "\nauto %s\niface %s\n", id, id)
		for _, line := range simpleVnetLines(run, n, id, zone) {
			fmt.Fprintf(&b, "\t%s\n", line)
		}
	}
	_ = n.FS.MkdirAll("/etc/network/interfaces.d", 0o755)
	_ = n.FS.WriteFile(sdnInterfacesPath, []byte(b.String()), 0o644)
	s.persistSoon()
}

// simpleVnetLines is SimplePlugin.pm generate_sdn_config for one vnet: the
// gateways as addresses, SNAT through the node's own uplink (vmbr0 and its
// address: get_local_route_ip of 8.8.8.8), and a bridge without ports.
func simpleVnetLines(run *sdnRunning, n *node, vnet string, zone sdnObj) []string {
	var lines []string
	seen := map[string]bool{}
	forward := false
	for _, id := range sortedKeys(run.Subnets.IDs) {
		sub := run.Subnets.IDs[id]
		p, ok := subnetPrefix(id)
		if !ok || sdnString(sub["vnet"]) != vnet {
			continue
		}
		if gw := sdnString(sub["gateway"]); gw != "" {
			if !seen[gw] {
				lines = append(lines, fmt.Sprintf("address %s/%d", gw, p.Bits()))
			}
			seen[gw] = true
			forward = true
		}
		if p.Bits() == 32 && p.Addr().Is4() {
			lines = append(lines, fmt.Sprintf("up ip route add %s dev %s", p, vnet))
		}
		if sdnString(sub["snat"]) == "1" && p.Addr().Is4() {
			nat := fmt.Sprintf("-t nat %%s POSTROUTING -s '%s' -o vmbr0 -j SNAT --to-source %s", p, n.IP)
			lines = append(lines, "post-up iptables "+fmt.Sprintf(nat, "-A"), "post-down iptables "+fmt.Sprintf(nat, "-D"),
				"post-up iptables -t raw -I PREROUTING -i fwbr+ -j CT --zone 1",
				"post-down iptables -t raw -D PREROUTING -i fwbr+ -j CT --zone 1")
		}
	}
	lines = append(lines, "bridge_ports none", "bridge_stp off", "bridge_fd 0")
	if mtu := sdnString(zone["mtu"]); mtu != "" {
		lines = append(lines, "mtu "+mtu)
	}
	if alias := sdnString(run.Vnets.IDs[vnet]["alias"]); alias != "" {
		lines = append(lines, "alias "+alias)
	}
	if forward {
		lines = append(lines, "ip-forward on")
	}
	return lines
}

// nodeSDNVersion is read_etc_network_config_version: 0 before the node
// generated its SDN config.
func nodeSDNVersion(n *node) int {
	raw, err := n.FS.ReadFile(sdnInterfacesPath)
	if err != nil {
		return 0
	}
	m := sdnVersionRe.FindSubmatch(raw)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(string(m[1]))
	return v
}

// sdnNodeBridges are the vnet bridges a node has brought up: the ifaces of
// its interfaces.d/sdn. nodeBridges (network_api.go) adds them to the
// node's own, so a guest on a vnet starts only where the vnet exists.
func sdnNodeBridges(n *node) []string {
	raw, err := n.FS.ReadFile(sdnInterfacesPath)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		if name, ok := strings.CutPrefix(line, "iface "); ok {
			out = append(out, strings.TrimSpace(name))
		}
	}
	return out
}

// sdnLocalVnets is PVE::Network::SDN::get_local_vnets as Network.pm index
// adds it to a node's interface listing: only for type any_bridge (8.4;
// 9.1 also include_sdn and vnet), the running config's vnets of zones on
// the node that the caller has SDN.Audit or SDN.Use on, as
// {iface, type: vnet, active: "1", ipam, vlanaware, comments}. It merges
// them into the listing, which PVE sorts by interface name (hash_to_array).
func (s *Simulator) sdnLocalVnets(r *request, n *node, filter string, listing []any) []any {
	wanted := filter == "any_bridge" || (strings.HasPrefix(s.release, "9") && (filter == "include_sdn" || filter == "vnet"))
	if !wanted {
		return listing
	}
	run := s.sdnRunningConfig()
	for _, id := range sortedKeys(run.Vnets.IDs) {
		v := run.Vnets.IDs[id]
		zoneID := sdnString(v["zone"])
		zone := run.Zones.IDs[zoneID]
		path := "/sdn/zones/" + zoneID + "/" + id
		if zoneID == "" || zone == nil || !zoneOnNode(zone, n.Name) ||
			(r.authid != "root@pam" && !r.acc.hasAny(r.authid, path, "SDN.Audit", "SDN.Use")) {
			continue
		}
		entry := map[string]any{"iface": id, "type": "vnet", "active": "1", "ipam": boolInt(zone["ipam"] != nil),
			"vlanaware": boolInt(sdnString(v["vlanaware"]) == "1")}
		if alias, ok := v["alias"]; ok {
			entry["comments"] = alias
		}
		listing = append(listing, entry)
	}
	sort.SliceStable(listing, func(i, j int) bool {
		return ifaceName(listing[i]) < ifaceName(listing[j])
	})
	return listing
}

func ifaceName(v any) string {
	m, _ := v.(map[string]any)
	name, _ := m["iface"].(string)
	return name
}

// sdnVnetZone is the zone of a vnet in the pending config (Vnets.pm
// get_vnet, which check_vnet_access reads), "" for a bridge that is no vnet.
func (s *Simulator) sdnVnetZone(bridge string) string {
	return sdnString(s.readSDN(sdnVnetsPath).IDs[bridge]["zone"])
}

// zoneOfBridge is check_vnet_access's zone: the vnet's (from the pending
// vnets.cfg), else localnetwork.
func (a *accessState) zoneOfBridge(bridge string) string {
	if a.vnetZone != nil {
		if z := a.vnetZone(bridge); z != "" {
			return z
		}
	}
	return "localnetwork"
}

// sdnDHCPReady is the DHCP half of a node's reload (API2/Network.pm
// reload_network_config runs generate_zone_config, then
// generate_dhcp_config, then ifreload): a running zone with dnsmasq DHCP on
// a node without dnsmasq makes before_configure die, so the task fails and
// ifreload never brings the vnets up (here: the new interfaces.d/sdn is not
// taken).
func (s *Simulator) sdnDHCPReady(n *node, t *taskCtx) error {
	if nodeHasDnsmasq(n) {
		return nil
	}
	run := s.sdnRunningConfig()
	for _, id := range sortedKeys(run.Zones.IDs) {
		zone := run.Zones.IDs[id]
		if sdnString(zone["dhcp"]) == "dnsmasq" && zoneOnNode(zone, n.Name) {
			t.logf("WARN: please install the 'dnsmasq' package in order to use the DHCP feature!")
			return fmt.Errorf("Could not run before_configure for DHCP server %s cannot reload with missing 'dnsmasq' package", id)
		}
	}
	return nil
}
