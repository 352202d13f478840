package deploy

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// This file owns the network controls of an application's container beyond
// its bridge and IPv4 address: net0's VLAN tag, MAC address, firewall flag,
// MTU and IPv6 configuration, and the container's DNS options. Their values
// and ranges are pve-container's (src/PVE/LXC/Config.pm $netconf_desc,
// nameserver and searchdomain) and pve-common's formats (mac-addr,
// pve-ipv6-config), identical in PVE 8.4 and 9.1.

// The ranges PVE's schema gives net0's numbers (Config.pm $netconf_desc).
const (
	VLANTagMin = 1
	VLANTagMax = 4094
	MTUMin     = 64 // "minimum ethernet frame is 64 bytes"
	MTUMax     = 65535
)

// The IPv6 configurations that are not an address (pve-ipv6-config).
const (
	IPv6Auto = "auto" // SLAAC: the container takes router advertisements
	IPv6DHCP = "dhcp"
)

// NetworkOptions are the network controls of an application. The zero
// value is PVE's default: untagged, a MAC address PVE generates, no
// firewall, the bridge's MTU, no IPv6 configuration and the host's DNS.
type NetworkOptions struct {
	VLANTag      int      // net0 tag=; 0: untagged
	MAC          string   // net0 hwaddr=; "": PVE generates one (and keeps it)
	Firewall     bool     // net0 firewall=1
	MTU          int      // net0 mtu=; 0: the bridge's
	IP6          string   // net0 ip6=: IPv6Auto, IPv6DHCP or a CIDR; "": none
	Gateway6     string   // net0 gw6=, with a static IP6
	DNSServers   []string // nameserver; none: the host's at create
	SearchDomain string   // searchdomain, one or more domains separated by spaces
}

// macPattern is pve-common's pve_verify_mac_addr: six octets, the I/G bit
// (the low bit of the first octet) clear, so a unicast address.
var macPattern = regexp.MustCompile(`(?i)^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$`)

// CheckMAC reports a MAC address PVE refuses, with PVE's reason.
func CheckMAC(mac string) error {
	if !macPattern.MatchString(mac) {
		return fmt.Errorf("%q does not look like a valid unicast MAC address (six hex octets separated by colons, "+
			"the first octet even, such as BC:24:11:2A:3B:4C)", mac)
	}
	return nil
}

// SameMAC compares MAC addresses as the hardware does: PVE keeps the case
// it was given (it generates upper case), so case is no difference.
func SameMAC(a, b string) bool { return strings.EqualFold(a, b) }

// CheckIPv6Config reports an ip6= value PVE refuses (pve_verify_ipv6_config:
// auto, dhcp or an IPv6 CIDR with a prefix length from 8 to 128).
// "manual" is PVE's too, but leaves the address to the container and the
// provider never sets it.
func CheckIPv6Config(v string) error {
	if v == IPv6Auto || v == IPv6DHCP {
		return nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() < 8 {
		return fmt.Errorf("%q must be %s, %s or a static IPv6 address with its prefix length (8 to 128), such as 2001:db8::10/64",
			v, IPv6Auto, IPv6DHCP)
	}
	return nil
}

// CheckIPv6Gateway reports a gw6= value PVE refuses (format ipv6), and a
// gateway beside auto or dhcp, where the router gives it.
func CheckIPv6Gateway(ip6, gw string) error {
	if a, err := netip.ParseAddr(gw); err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return fmt.Errorf("%q is not an IPv6 address, such as 2001:db8::1", gw)
	}
	if ip6 == IPv6Auto || ip6 == IPv6DHCP {
		return fmt.Errorf("with %s the router gives the IPv6 gateway; set a static address such as 2001:db8::10/64, or leave the gateway out", ip6)
	}
	return nil
}

// SameSearchDomain compares search lists as PVE stores them: the domains
// in order, whatever separates them (verify_searchdomain_list).
func SameSearchDomain(a, b string) bool {
	return slices.Equal(pveclient.SplitList(a), pveclient.SplitList(b))
}

// CheckNameserver reports a DNS server PVE refuses (pve-container's
// verify_ip_with_ll_iface: an IPv4 or IPv6 address; one written
// fe80:...%<interface> may name the interface of its link).
func CheckNameserver(s string) error {
	if addr, iface, ok := strings.Cut(s, "%"); ok && strings.HasPrefix(addr, "fe80:") && ifacePattern.MatchString(iface) {
		if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
			return nil
		}
	}
	if a, err := netip.ParseAddr(s); err != nil || a.Zone() != "" {
		return fmt.Errorf("%q is not an IP address (IPv4, IPv6, or link-local IPv6 with its interface as fe80::1%%eth0)", s)
	}
	return nil
}

// ifacePattern is pve-common's pve_verify_iface: an interface name.
var ifacePattern = regexp.MustCompile(`(?i)^[a-z][a-z0-9_]{1,20}([:.]\d+)?$`)

// searchDomainPattern is one name of a search list as the API's schema
// checks it (searchdomain is a dns-name-list: pve-common's
// pve_verify_dns_name for each, dot-separated labels of letters, digits
// and dashes, no final dot); verify_searchdomain_list adds no check of its
// own.
var searchDomainPattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// CheckSearchDomain reports a search domain no resolver takes; one value
// may list several, separated by spaces, as resolv.conf's search line.
func CheckSearchDomain(s string) error {
	domains := pveclient.SplitList(s)
	if len(domains) == 0 {
		return fmt.Errorf("the search domain is empty; leave it out for none")
	}
	for _, d := range domains {
		if !searchDomainPattern.MatchString(d) {
			return fmt.Errorf("%q is not a DNS domain (dot-separated labels of letters, digits and dashes), such as example.com", d)
		}
	}
	return nil
}

// net0 sets the controls on a net0 value; an empty MAC keeps the one the
// value has (PVE's, or none yet on a create: PVE makes one).
func (o NetworkOptions) net0(n pveclient.ContainerNetwork) pveclient.ContainerNetwork {
	n.Tag, n.MTU, n.Firewall = intOrNil(o.VLANTag), intOrNil(o.MTU), nil
	if o.Firewall {
		yes := true
		n.Firewall = &yes
	}
	if o.MAC != "" {
		n.HWAddr = o.MAC
	}
	n.IP6, n.Gateway6 = o.IP6, o.Gateway6
	return n
}

func intOrNil(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// dns is the create's nameserver and searchdomain, as PVE stores them.
func (o NetworkOptions) dns() pveclient.DNSOptions {
	return pveclient.DNSOptions{Nameserver: strings.Join(o.DNSServers, " "), Searchdomain: strings.Join(pveclient.SplitList(o.SearchDomain), " ")}
}

// onUpdate rewrites net0 with the controls and puts into update the DNS
// options that differ from cfg's: a new value is set, one no longer asked
// for is deleted. A nil o leaves both as they are.
func (o *NetworkOptions) onUpdate(cfg *pveclient.ContainerConfig, net0 *pveclient.ContainerNetwork, update *pveclient.ContainerConfigUpdate) {
	if o == nil {
		return
	}
	*net0 = o.net0(*net0)
	o.dnsUpdate(cfg, update)
}

// dnsUpdate puts into update the DNS options that differ from cfg's: also
// after a restore, whose archive brings its own.
func (o NetworkOptions) dnsUpdate(cfg *pveclient.ContainerConfig, update *pveclient.ContainerConfigUpdate) {
	want, have := o.dns(), pveclient.DNSOf(cfg)
	for _, opt := range []struct {
		key        string
		want, have string
		set        *string
	}{
		{"nameserver", want.Nameserver, have.Nameserver, &update.DNS.Nameserver},
		{"searchdomain", want.Searchdomain, have.Searchdomain, &update.DNS.Searchdomain},
	} {
		switch {
		case slices.Equal(pveclient.SplitList(opt.want), pveclient.SplitList(opt.have)):
		case opt.want == "":
			update.Delete = append(update.Delete, opt.key)
		default:
			*opt.set = opt.want
		}
	}
}

// observeNetwork reads the controls from a config: net0 and the DNS
// options, which the refresh's config read already holds.
func observeNetwork(cfg *pveclient.ContainerConfig) NetworkOptions {
	net0 := cfg.Networks[0]
	o := NetworkOptions{MAC: net0.HWAddr, IP6: net0.IP6, Gateway6: net0.Gateway6,
		Firewall: net0.Firewall != nil && *net0.Firewall}
	if net0.Tag != nil {
		o.VLANTag = *net0.Tag
	}
	if net0.MTU != nil {
		o.MTU = *net0.MTU
	}
	dns := pveclient.DNSOf(cfg)
	o.DNSServers = pveclient.SplitList(dns.Nameserver)
	o.SearchDomain = strings.Join(pveclient.SplitList(dns.Searchdomain), " ")
	return o
}

// ObserveNetwork reads the controls of a container in one call (its
// config): after a create, for the MAC address PVE generated.
func (d *Service) ObserveNetwork(ctx context.Context, node string, vmid int) (NetworkOptions, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return NetworkOptions{}, err
	}
	return observeNetwork(cfg), nil
}

// DefaultBridgeMTU is a bridge's MTU when its configuration sets none: the
// kernel's for Ethernet.
const DefaultBridgeMTU = 1500

// BridgeMTUError is an mtu above the MTU of the app's bridge on its node,
// which PVE refuses when it writes net0 (update_pct_config, for a create as
// for an update: "net0: MTU size '9000' is bigger than bridge MTU '1500'").
type BridgeMTUError struct {
	Node, Bridge   string
	MTU, BridgeMTU int
}

func (e *BridgeMTUError) Error() string {
	return fmt.Sprintf("mtu %d is above the MTU of bridge %s on node %s (%d), which PVE refuses; set mtu to at most %d, "+
		"or raise the bridge's MTU (its mtu option in the node's network configuration)", e.MTU, e.Bridge, e.Node, e.BridgeMTU, e.BridgeMTU)
}

// CheckBridgeMTU reports, as a *BridgeMTUError, an mtu above the MTU of
// the bridge on the app's node (the asked one, else the default node; a
// node the apply chooses is not known yet, and PVE's own check then
// stands). The bridge's MTU is its configured mtu option, else
// DefaultBridgeMTU, as PVE reads it from the running bridge.
func (d *Service) CheckBridgeMTU(ctx context.Context, node, bridge string, mtu int) error {
	node, bridge = cmp.Or(node, d.DefaultNode), cmp.Or(bridge, DefaultBridge)
	if mtu == 0 || node == "" {
		return nil
	}
	list, err := d.Client.Bridges(ctx, node)
	if err != nil {
		return err
	}
	for _, b := range list {
		if b.Name != bridge {
			continue
		}
		if limit := cmp.Or(int(b.MTU), DefaultBridgeMTU); mtu > limit {
			return &BridgeMTUError{Node: node, Bridge: bridge, MTU: mtu, BridgeMTU: limit}
		}
	}
	return nil // a missing bridge is CheckNodeBridge's to report
}

// NetworkNeed is the privilege net0 takes on PVE's SDN path, as
// pve-guest-common's check_vnet_access asks it (through pve-container's
// check_bridge_access, for the old and the new net0 of a change): SDN.Use
// on the VLAN of the bridge when net0 has a tag (the bridge's own ACL
// propagates to it), else on the bridge.
func NetworkNeed(bridge string, vlanTag int) PrivilegeNeed {
	path := PathNetwork + "/" + bridge
	if bridge == IsolatedVnet {
		// A vnet's path is under its own zone (the isolated network's,
		// gateway_network.go), not localnetwork.
		path = "/sdn/zones/" + IsolatedZone + "/" + bridge
	}
	if vlanTag != 0 {
		path += "/" + strconv.Itoa(vlanTag)
	}
	return PrivilegeNeed{Path: path, Privs: []string{"SDN.Use"}}
}
