package pvesim

import (
	"net/netip"
	"strconv"
	"strings"
)

// DHCP on SDN vnets (pve-network src/PVE/Network/SDN/Vnets.pm
// add_dhcp_mapping, add_next_free_cidr, del_ips_from_mac; Dhcp/Dnsmasq.pm
// serves what the IPAM holds): a guest interface on a vnet of a zone with
// dhcp=dnsmasq and an IPAM gets the address the IPAM maps to its MAC,
// allocated from the subnet's dhcp-range when it has none. pve-container
// reserves it at create (create_ifaces_ipams_ips) and maps it at start
// (lxc-pve-prestart-hook); the simulator does both when the guest network
// first asks, which is at the guest's start. The address is released when
// the guest is destroyed (destroy_lxc_container -> delete_ifaces_ipams_ips).

func init() {
	bridgeLeases = append(bridgeLeases, sdnBridgeLease)
}

// sdnBridgeLease is the bridgeLeases source of SDN: ok only for a vnet of
// the running config, in a zone with DHCP and an IPAM, that the guest's
// node has brought up. The IPAM mapping is made whatever the interface's
// ip= says (as PVE's prestart hook does, sdnMapGuest), but only ip=dhcp
// takes it: with a static address ok is false and the guest keeps its own.
// ip is the address with its subnet's prefix length ("10.20.0.100/24"), as
// g.IP holds it, and "" when the subnets have no free address in their
// dhcp-range (PVE's start dies there with "can't find any free ip in zone
// <zone> for IPv4"). It serves any netN, so a gateway's second interface
// on the vnet can ask for its address too.
//
// It reads g.Config, g.VMID and g.Node: the caller holds s.mu or passes a
// guest no one else changes. It takes no simulator lock itself, only
// pmxcfs's lock of the IPAM file.
func sdnBridgeLease(s *Simulator, g *guest, netKey, bridge string) (string, bool) {
	ip, cidr, served := s.sdnMapping(g, netKey, bridge)
	if !served || propertyValue(g.Config[netKey], "ip") != "dhcp" {
		return "", false
	}
	if ip == "" {
		return "", true
	}
	p, _ := netip.ParsePrefix(cidr)
	return ip + "/" + strconv.Itoa(p.Bits()), true
}

// sdnMapGuest is the SDN part of lxc-pve-prestart-hook: every netN on a
// served vnet gets its IPAM mapping (add_dhcp_mapping) before the guest
// starts. powerOn calls it holding s.mu.
func (s *Simulator) sdnMapGuest(g *guest) {
	for key, raw := range g.Config {
		if strings.HasPrefix(key, "net") {
			s.sdnMapping(g, key, propertyValue(raw, "bridge"))
		}
	}
}

// sdnMapping is add_dhcp_mapping for one interface: the IPv4 address the
// IPAM holds for its MAC in the vnet's zone, allocated when it has none;
// served is false for a bridge that is no served vnet.
func (s *Simulator) sdnMapping(g *guest, netKey, bridge string) (ip, cidr string, served bool) {
	run := s.sdnRunningConfig()
	zoneID, zone := runningVnetZone(run, bridge)
	if zone == nil || zone["dhcp"] == nil || zone["ipam"] == nil {
		return "", "", false
	}
	n := s.nodeByName(g.Node)
	if n == nil || !containsString(sdnNodeBridges(n), bridge) {
		return "", "", false
	}
	mac := propertyValue(g.Config[netKey], "hwaddr")
	if ip, cidr = s.ipamFindMAC(zoneID, mac); ip == "" {
		ip, cidr = s.allocateLease(run, zoneID, bridge, mac, g)
	}
	return ip, cidr, true
}

// runningVnetZone is the running zone of a vnet, nil when the bridge is no
// vnet of the running config.
func runningVnetZone(run *sdnRunning, bridge string) (string, sdnObj) {
	v := run.Vnets.IDs[bridge]
	if v == nil {
		return "", nil
	}
	zoneID := sdnString(v["zone"])
	return zoneID, run.Zones.IDs[zoneID]
}

// allocateLease is add_next_free_cidr with dhcprange for IPv4: the first
// running subnet of the vnet with a free address in one of its ranges
// (add_range_next_freeip), recorded with the MAC, the hostname (with the
// subnet's dnszoneprefix) and the vmid, as a string.
func (s *Simulator) allocateLease(run *sdnRunning, zoneID, vnet, mac string, g *guest) (ip, cidr string) {
	for _, id := range sortedKeys(run.Subnets.IDs) {
		sub := run.Subnets.IDs[id]
		p, ok := subnetPrefix(id)
		if !ok || sdnString(sub["vnet"]) != vnet || !p.Addr().Is4() {
			continue
		}
		host := g.Config["hostname"]
		if prefix := sdnString(sub["dnszoneprefix"]); prefix != "" {
			host += "." + prefix
		}
		data := map[string]any{"mac": mac, "hostname": host, "vmid": strconv.Itoa(g.VMID)}
		for _, r := range dhcpRanges(sub) {
			if ip, err := s.ipamAddRangeNextFree(zoneID, p.String(), r, data); err == nil && ip != "" {
				return ip, p.String()
			}
		}
	}
	return "", ""
}

// sdnReleaseGuest is delete_ifaces_ipams_ips: each netN's addresses are
// released (sdnReleaseNet). It takes no simulator lock: destroyWorker
// calls it holding s.mu.
func (s *Simulator) sdnReleaseGuest(g *guest) {
	for key, raw := range g.Config {
		if strings.HasPrefix(key, "net") {
			s.sdnReleaseNet(raw)
		}
	}
}

// pendingDhcpZone is the zone of a vnet in the pending config when it has
// DHCP and an IPAM (Vnets.pm get_vnet and Zones.pm get_zone read the
// pending files), "" otherwise.
func (s *Simulator) pendingDhcpZone(bridge string) string {
	v := s.readSDN(sdnVnetsPath).IDs[bridge]
	if v == nil {
		return ""
	}
	zoneID := sdnString(v["zone"])
	zone := s.readSDN(sdnZonesPath).IDs[zoneID]
	if zone == nil || zone["dhcp"] == nil || zone["ipam"] == nil {
		return ""
	}
	return zoneID
}

// sdnReleaseNet is Vnets.pm del_ips_from_mac for one interface: its
// address in the IPAM, found by MAC in its vnet's zone, is deleted.
// Failures are warnings in PVE, so they are ignored.
func (s *Simulator) sdnReleaseNet(raw string) {
	zoneID := s.pendingDhcpZone(propertyValue(raw, "bridge"))
	if zoneID == "" {
		return
	}
	if ip, cidr := s.ipamFindMAC(zoneID, propertyValue(raw, "hwaddr")); ip != "" {
		_ = s.ipamDelIP(zoneID, cidr, ip)
	}
}

// sdnNetChanged is what vmconfig_apply_pending (a stopped container,
// pve-container src/PVE/LXC/Config.pm) and update_net (a running one,
// src/PVE/LXC.pm) do with SDN when netN is set: a new interface, or one on
// another bridge or with another MAC, gets an address reserved
// (add_next_free_cidr), the old one's released first. The caller holds
// s.mu; a full range leaves the interface without a reservation (PVE
// refuses the change there: "can't find any free ip in zone").
func (s *Simulator) sdnNetChanged(g *guest, oldRaw, newRaw string) {
	bridge, mac := propertyValue(newRaw, "bridge"), propertyValue(newRaw, "hwaddr")
	if oldRaw != "" && propertyValue(oldRaw, "bridge") == bridge && propertyValue(oldRaw, "hwaddr") == mac {
		return
	}
	if oldRaw != "" {
		s.sdnReleaseNet(oldRaw)
	}
	if zoneID := s.pendingDhcpZone(bridge); zoneID != "" {
		s.allocateLease(s.sdnRunningConfig(), zoneID, bridge, mac, g)
	}
}

// sameSegment reports whether two guests share a layer-2 segment, so that
// one can reach the other's address directly (for the guest network and
// the gateway's proxy, which are helper A's and B's). They must have an
// interface on the same bridge; a vnet of a simple zone (a vnet of the
// running config) is a bridge without ports on each node (SimplePlugin.pm
// generate_sdn_config: bridge_ports none), so it joins only guests on the
// same node. Any other bridge (vmbr0, the node's uplink) is taken as one
// network across the cluster. Call it with s.mu held (it reads the guests'
// configs); it reads only the running SDN config besides.
func (s *Simulator) sameSegment(a, b *guest) bool {
	run := s.sdnRunningConfig()
	for _, ba := range guestBridges(a) {
		if !containsString(guestBridges(b), ba) {
			continue
		}
		if _, zone := runningVnetZone(run, ba); zone == nil || a.Node == b.Node {
			return true
		}
	}
	return false
}

// isSDNVnet reports whether a bridge is a vnet of the running SDN config
// (an isolated network: nothing outside reaches it but through a guest
// with an interface on it and one on another bridge, such as a gateway).
func (s *Simulator) isSDNVnet(bridge string) bool {
	_, zone := runningVnetZone(s.sdnRunningConfig(), bridge)
	return zone != nil
}

// guestBridges are the bridges of a guest's netN interfaces.
func guestBridges(g *guest) []string {
	var out []string
	for key, raw := range g.Config {
		if strings.HasPrefix(key, "net") {
			if b := propertyValue(raw, "bridge"); b != "" {
				out = append(out, b)
			}
		}
	}
	return out
}
