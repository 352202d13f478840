package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The isolated app network is PVE's own SDN (pve-network, PVE 8.1 and
// later): a simple zone with dnsmasq DHCP and PVE's IPAM, one vnet, one
// subnet with source NAT. Apps on the vnet get addresses by DHCP, reach
// out through the node's NAT, and are reached only through the gateway,
// which has a second interface on the vnet. A simple zone's vnet is a
// bridge without ports on every node, so it joins only the guests of one
// node: the apps on it run on the gateway's node.
const (
	IsolatedZone = "pxnet"
	IsolatedVnet = "pxvnet"
	// isolatedAlias marks the vnet as Proximity's: a vnet of that name
	// without it is someone else's and is never used or removed.
	isolatedAlias = "Proximity isolated app network"
	// IsolatedNetworkName is what an application's network attribute says.
	IsolatedNetworkName = "proximity"
)

// IsolatedLayout is how the provider lays out a subnet: the node's
// gateway address first, the gateway container's second, DHCP from the
// tenth to the last.
type IsolatedLayout struct {
	CIDR                 string // the subnet, normalised (10.20.0.0/24)
	NodeGateway          string // 10.20.0.1: the vnet's address on the node, which NATs
	GatewayAddress       string // 10.20.0.2/24: the gateway container's eth1
	RangeStart, RangeEnd string
}

// LayoutIsolated checks a CIDR and lays it out; at least a /28, so that
// the DHCP range holds a few apps.
func LayoutIsolated(cidr string) (IsolatedLayout, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return IsolatedLayout{}, fmt.Errorf("%q is not an IPv4 network such as 10.20.0.0/24", cidr)
	}
	if p.Bits() > 28 || p.Bits() < 16 {
		return IsolatedLayout{}, fmt.Errorf("%s: the isolated network must be between a /16 and a /28", cidr)
	}
	p = p.Masked()
	base := p.Addr()
	last := lastAddress(p)
	nth := func(n int) netip.Addr {
		a := base
		for range n {
			a = a.Next()
		}
		return a
	}
	return IsolatedLayout{
		CIDR: p.String(), NodeGateway: nth(1).String(),
		GatewayAddress: fmt.Sprintf("%s/%d", nth(2), p.Bits()),
		RangeStart:     nth(10).String(), RangeEnd: last.Prev().String(),
	}, nil
}

func lastAddress(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// IsolatedNetworkError is an isolated network that cannot be made or used
// as asked, with what to do.
type IsolatedNetworkError struct{ Msg string }

func (e *IsolatedNetworkError) Error() string { return e.Msg }

// isolatedState reads what exists of the isolated network: ok false when
// its vnet does not exist; an error when a vnet of its name is someone
// else's or its subnet is another one.
func (d *Service) isolatedState(ctx context.Context, want IsolatedLayout) (exists bool, err error) {
	vnet, found, err := d.Client.SDNVnetByID(ctx, IsolatedVnet)
	if err != nil || !found || vnet.State == "deleted" {
		return false, err // a removal not applied yet: made anew
	}
	if vnet.Alias != isolatedAlias || vnet.Zone != IsolatedZone {
		return false, &IsolatedNetworkError{Msg: fmt.Sprintf("the SDN vnet %s exists (zone %s, alias %q) and is not Proximity's; "+
			"Proximity never uses or removes it: rename it, or leave network unset", IsolatedVnet, vnet.Zone, vnet.Alias)}
	}
	subnets, err := d.Client.SDNSubnets(ctx, IsolatedVnet)
	if err != nil {
		return false, err
	}
	for _, s := range subnets {
		if s.CIDR == want.CIDR {
			return true, nil
		}
	}
	var have []string
	for _, s := range subnets {
		have = append(have, s.CIDR)
	}
	return false, &IsolatedNetworkError{Msg: fmt.Sprintf("Proximity's isolated network exists with %s, not %s: set network.cidr "+
		"to it (its apps keep their addresses), or remove its apps first", strings.Join(have, ", "), want.CIDR)}
}

// sdnPicture is the cluster's SDN configuration as the pending view shows
// it, as far as the isolated network cares.
type sdnPicture struct {
	zone    *pveclient.SDNZone // the isolated zone, nil when missing
	ours    bool               // some of the isolated network's objects have pending changes
	foreign []string           // other objects with pending changes
}

// readSDN reads the zones, vnets and subnets with their pending state.
func (d *Service) readSDN(ctx context.Context) (sdnPicture, error) {
	var pic sdnPicture
	zones, err := d.Client.SDNZones(ctx)
	if err != nil {
		return pic, err
	}
	for _, z := range zones {
		if z.ID == IsolatedZone {
			pic.ours = pic.ours || z.State != ""
			if z.State != "deleted" {
				pic.zone = &z
			}
		} else if z.State != "" {
			pic.foreign = append(pic.foreign, fmt.Sprintf("zone %s (%s)", z.ID, z.State))
		}
	}
	vnets, err := d.Client.SDNVnets(ctx)
	if err != nil {
		return pic, err
	}
	for _, v := range vnets {
		mine := v.ID == IsolatedVnet && v.Alias == isolatedAlias
		if v.State != "" {
			if mine {
				pic.ours = true
			} else {
				pic.foreign = append(pic.foreign, fmt.Sprintf("vnet %s (%s)", v.ID, v.State))
			}
		}
		if v.State == "deleted" {
			continue // PVE lists no subnets of a vnet whose removal is pending
		}
		subnets, err := d.Client.SDNSubnets(ctx, v.ID)
		if err != nil {
			return pic, err
		}
		for _, sub := range subnets {
			if sub.State == "" {
				continue
			}
			if mine {
				pic.ours = true
			} else {
				pic.foreign = append(pic.foreign, fmt.Sprintf("subnet %s of %s (%s)", sub.CIDR, v.ID, sub.State))
			}
		}
	}
	return pic, nil
}

// check refuses a cluster whose SDN the isolated network cannot be applied
// to without side effects: PVE's apply (PUT /cluster/sdn) makes every
// pending change of the cluster live, so changes someone else staged must
// be applied or reverted first; and a zone of the isolated network's name
// must be a simple zone with DHCP and PVE's IPAM.
func (p sdnPicture) check() error {
	if len(p.foreign) > 0 {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("the cluster's SDN has pending changes that are not Proximity's: %s. Applying the "+
			"isolated network would make them live on every node (PVE applies the whole SDN configuration at once): apply or revert "+
			"them first (Datacenter > SDN), then run this again", strings.Join(p.foreign, ", "))}
	}
	if z := p.zone; z != nil && (z.Type != "simple" || z.DHCP != "dnsmasq" || z.IPAM != "pve") {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("the SDN zone %s exists as type=%s dhcp=%s ipam=%s; the isolated network needs a "+
			"simple zone with dhcp=dnsmasq and ipam=pve under that name: remove or rename that zone, or leave network unset",
			IsolatedZone, z.Type, z.DHCP, z.IPAM)}
	}
	return nil
}

// ensureIsolated makes the zone, vnet and subnet where they are missing,
// and applies the SDN configuration only when the isolated network has
// changes to apply; it refuses when others' changes are pending.
func (d *Service) ensureIsolated(ctx context.Context, layout IsolatedLayout) error {
	exists, err := d.isolatedState(ctx, layout)
	if err != nil {
		return err
	}
	pic, err := d.readSDN(ctx)
	if err != nil {
		return err
	}
	if exists && !pic.ours {
		return nil // made and applied: nothing to change, nothing to reload
	}
	if err := pic.check(); err != nil {
		return err
	}
	if err := d.checkDnsmasq(ctx); err != nil {
		return err
	}
	if !exists {
		if err := d.makeIsolated(ctx, layout, pic.zone != nil); err != nil {
			return err
		}
	}
	return d.Client.ApplySDN(ctx)
}

// makeIsolated creates what is missing of the zone, vnet and subnet.
func (d *Service) makeIsolated(ctx context.Context, layout IsolatedLayout, zoneExists bool) error {
	if !zoneExists {
		if err := d.Client.CreateSDNSimpleZone(ctx, IsolatedZone); err != nil && !alreadyDefined(err) {
			return err
		}
	}
	if v, found, err := d.Client.SDNVnetByID(ctx, IsolatedVnet); err != nil {
		return err
	} else if !found || v.State == "deleted" {
		if err := d.Client.CreateSDNVnet(ctx, IsolatedVnet, IsolatedZone, isolatedAlias); err != nil && !alreadyDefined(err) {
			return err
		}
	}
	err := d.Client.CreateSDNSubnet(ctx, IsolatedVnet, layout.CIDR, layout.NodeGateway, layout.RangeStart, layout.RangeEnd)
	if err != nil && !alreadyDefined(err) {
		return err
	}
	return nil
}

// alreadyDefined is PVE's answer to a create whose object exists (a retry
// after a lost answer): "... object ID '...' already defined".
func alreadyDefined(err error) bool {
	var api *pveclient.APIError
	return errors.As(err, &api) && strings.Contains(api.Error(), "already defined")
}

// removeIsolatedIfUnused removes the isolated network once no guest holds
// an address on it (the IPAM lists the guests' leases; the subnet's own
// gateway entry has no VMID): its subnet, vnet and zone, then an apply. A
// network in use stays, for the apps on it and a later gateway; so does
// one whose removal would apply others' pending SDN changes. kept says why
// it stayed, "" when it went or was not Proximity's.
func (d *Service) removeIsolatedIfUnused(ctx context.Context) (kept string, err error) {
	vnet, found, err := d.Client.SDNVnetByID(ctx, IsolatedVnet)
	if err != nil || !found || vnet.Alias != isolatedAlias {
		return "", err
	}
	leases, err := d.Client.SDNLeases(ctx, IsolatedZone)
	if err != nil {
		return "", err
	}
	for _, l := range leases {
		if l.VMID != nil && fmt.Sprint(l.VMID) != "" {
			return fmt.Sprintf("CT %v still has an address on it", l.VMID), nil
		}
	}
	pic, err := d.readSDN(ctx)
	if err != nil {
		return "", err
	}
	if err := pic.check(); err != nil {
		return err.Error(), nil
	}
	subnets, err := d.Client.SDNSubnets(ctx, IsolatedVnet)
	if err != nil {
		return "", err
	}
	for _, s := range subnets {
		if err := d.Client.DeleteSDNSubnet(ctx, IsolatedVnet, s.ID); err != nil && !pveclient.IsNotFound(err) {
			return "", err
		}
	}
	if err := d.Client.DeleteSDNVnet(ctx, IsolatedVnet); err != nil && !pveclient.IsNotFound(err) {
		return "", err
	}
	// PVE refuses to delete a zone that still has vnets: a zone of that
	// name with someone else's vnets in it stays.
	if err := d.Client.DeleteSDNZone(ctx, IsolatedZone); err != nil && !pveclient.IsNotFound(err) {
		return "", err
	}
	return "", d.Client.ApplySDN(ctx)
}

// isolatedPrivileges are the privileges the isolated network needs, by path
// (pve-network's API2/Network/SDN*.pm permissions).
var isolatedPrivileges = []struct{ path, priv, why string }{
	{"/sdn/zones", "SDN.Allocate", "create the zone " + IsolatedZone},
	{"/sdn/zones/" + IsolatedZone, "SDN.Allocate", "create the vnet " + IsolatedVnet},
	{"/sdn/zones/" + IsolatedZone + "/" + IsolatedVnet, "SDN.Allocate", "create its subnet"},
	{"/sdn/zones/" + IsolatedZone + "/" + IsolatedVnet, "SDN.Use", "put containers on it"},
	{"/sdn", "SDN.Allocate", "apply the SDN configuration"},
}

// CheckIsolatedNetwork tells at plan time whether the gateway's isolated
// network can be made: a PVE with SDN DHCP (8.1 and later), a CIDR the
// provider can lay out, the identity's privileges, and no vnet of its name
// that is not Proximity's or has another subnet. It reads only.
func (d *Service) CheckIsolatedNetwork(ctx context.Context, cidr string) error {
	layout, err := LayoutIsolated(cidr)
	if err != nil {
		return &IsolatedNetworkError{Msg: err.Error()}
	}
	version, err := d.Client.Version(ctx)
	if err != nil {
		return err
	}
	if !atLeastVersion(version, 8, 1) {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("the cluster runs Proxmox VE %s; SDN subnets with DHCP need 8.1 or later", version)}
	}
	var missing []string
	for _, p := range isolatedPrivileges {
		privs, err := d.Client.Permissions(ctx, p.path)
		if err != nil {
			return err
		}
		if !privs.Has(p.priv, false) {
			missing = append(missing, fmt.Sprintf("%s on %s (to %s)", p.priv, p.path, p.why))
		}
	}
	if len(missing) > 0 {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("%s lacks %s. Grant them, for example: pveum aclmod /sdn -user <user> -role PVESDNAdmin "+
			"(with -token for a token with privilege separation); or leave network unset", d.Client.AuthID(), strings.Join(missing, "; "))}
	}
	if err := d.checkDnsmasq(ctx); err != nil {
		return err
	}
	exists, err := d.isolatedState(ctx, layout)
	if err != nil {
		return err
	}
	pic, err := d.readSDN(ctx)
	if err != nil {
		return err
	}
	if exists && !pic.ours {
		return nil // nothing to apply: others' pending changes stay theirs
	}
	return pic.check()
}

// dnsmasqCheck is pve-network's assert_dnsmasq_installed (Dhcp/Dnsmasq.pm)
// as a read-only test on a node: without the binary and its unit, PVE's
// reload of the node's network dies before the vnets come up.
const dnsmasqCheck = "test -e /usr/sbin/dnsmasq && test -e /lib/systemd/system/dnsmasq.service"

// checkDnsmasq refuses the isolated network when an online node lacks
// dnsmasq, which PVE's SDN DHCP needs and PVE does not ship: the SDN apply
// reloads every node, and on such a node it fails and leaves its vnets
// down, so apps there would wait for an address until their timeout.
func (d *Service) checkDnsmasq(ctx context.Context) error {
	if d.Nodes == nil {
		return ErrGatewayNeedsSSH
	}
	online, err := d.Client.OnlineNodes(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range online {
		res, err := d.Nodes.Run(ctx, n, dnsmasqCheck, nil)
		if err != nil {
			return fmt.Errorf("checking for dnsmasq on node %s over SSH: %w; the isolated network's DHCP runs on every node, so the "+
				"provider's ssh block must reach each online node (its nodes map names the address of one that /cluster/status gets wrong)", n, err)
		}
		if res.ExitCode != 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return &IsolatedNetworkError{Msg: fmt.Sprintf("dnsmasq is missing on %s; PVE's SDN DHCP needs it and PVE does not install it: "+
			"run `apt install dnsmasq && systemctl disable --now dnsmasq` on each node (the PVE admin guide's SDN DHCP section), "+
			"or leave network unset", strings.Join(missing, ", "))}
	}
	return nil
}

// atLeastVersion compares PVE's version string ("8.4.1", "9.1.3") with
// major.minor.
func atLeastVersion(v string, major, minor int) bool {
	var a, b int
	if _, err := fmt.Sscanf(v, "%d.%d", &a, &b); err != nil {
		return true // unknown formats are not refused here; the apply says what fails
	}
	return a > major || a == major && b >= minor
}

// IsolatedPlacement is where an app on the isolated network runs: the
// gateway's node, the only node whose guests share the vnet's segment with
// the gateway. Ready is false when the network or its gateway does not
// exist yet (a plan that creates them both).
type IsolatedPlacement struct {
	Ready bool
	Node  string
}

// PlaceIsolated finds the gateway of the isolated network; it reads only.
func (d *Service) PlaceIsolated(ctx context.Context) (IsolatedPlacement, error) {
	vnet, found, err := d.Client.SDNVnetByID(ctx, IsolatedVnet)
	if err != nil || !found || vnet.Alias != isolatedAlias {
		return IsolatedPlacement{}, err
	}
	gateways, err := d.Gateways(ctx)
	if err != nil || len(gateways) == 0 {
		return IsolatedPlacement{}, err
	}
	return IsolatedPlacement{Ready: true, Node: gateways[0].Node}, nil
}

// CheckIsolatedNode refuses an app on the isolated network on another node
// than its gateway's.
func CheckIsolatedNode(p IsolatedPlacement, node string) error {
	if p.Ready && node != "" && node != p.Node {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("an app on the isolated network runs on the gateway's node %s (PVE's simple "+
			"zone joins only the guests of one node), not %s: set node = %q (a new app may also leave node unset; an existing "+
			"one moves there with it)", p.Node, node, p.Node)}
	}
	return nil
}

// placeIsolated sets the node of a create on the isolated network, or
// refuses it when the network or its gateway is missing.
func (d *Service) placeIsolated(ctx context.Context, spec *Spec) error {
	if spec.Bridge != IsolatedVnet {
		return nil
	}
	p, err := d.PlaceIsolated(ctx)
	if err != nil {
		return err
	}
	if !p.Ready {
		return &IsolatedNetworkError{Msg: "network = \"proximity\" needs the isolated network of a proximity_gateway (its network " +
			"block), and there is none in the cluster: create the gateway with network first (depends_on = [proximity_gateway.<name>])"}
	}
	if err := CheckIsolatedNode(p, spec.Node); err != nil {
		return err
	}
	spec.Node = p.Node
	return nil
}

// checkIsolatedMove refuses, before anything changes, an update that puts
// an app on the isolated network on another node than its gateway's (a
// relocation in the same update counts where it goes), or before the
// network exists: the plan can check it only when the gateway exists then.
func (d *Service) checkIsolatedMove(ctx context.Context, node string, vmid int, c Change) error {
	if c.Network == nil || c.Network.Bridge != IsolatedVnet {
		return nil
	}
	relocating := c.Relocate != nil && c.Relocate.Node != "" && c.Relocate.Node != node
	if !relocating {
		// Already on it, the rest of net0 may change (firewall, DNS...)
		// with or without a gateway: only a move onto it is checked.
		cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
		if err != nil {
			return err
		}
		if cfg.Networks[0].Bridge == IsolatedVnet {
			return nil
		}
	} else {
		node = c.Relocate.Node
	}
	p, err := d.PlaceIsolated(ctx)
	if err != nil {
		return err
	}
	if !p.Ready {
		return &IsolatedNetworkError{Msg: "network = \"proximity\" needs the isolated network of a proximity_gateway (its network " +
			"block), and there is none in the cluster: create the gateway with network first; nothing was changed"}
	}
	if node != p.Node {
		return &IsolatedNetworkError{Msg: fmt.Sprintf("this app runs on %s, and the isolated network's gateway on %s (PVE's simple zone "+
			"joins only the guests of one node): set node = %q to move the app there with it; nothing was changed", node, p.Node, p.Node)}
	}
	return nil
}
