package pveclient

import (
	"context"
	"fmt"
	"net/url"
)

// The SDN calls the gateway's isolated network needs (pve-network's
// API2/Network/SDN*.pm, PVE 8.1 and later): a simple zone with DHCP, one
// vnet, one subnet, and the apply that makes the pending configuration
// the running one.

// SDNVnet is a vnet as the pending view shows it; State is "" once
// applied, else new, changed or deleted.
type SDNVnet struct {
	ID      string         `json:"vnet"`
	Zone    string         `json:"zone"`
	Alias   string         `json:"alias"`
	State   string         `json:"state"`
	Pending map[string]any `json:"pending"`
}

// SDNSubnet is a subnet of a vnet.
type SDNSubnet struct {
	ID      string         `json:"subnet"`
	CIDR    string         `json:"cidr"`
	Gateway string         `json:"gateway"`
	State   string         `json:"state"`
	Pending map[string]any `json:"pending"`
}

// The pending view (SDN.pm pending_config) keeps the applied values of an
// object on top and its changed ones under "pending" ("deleted" for a
// value that goes); an object not applied yet has only its type and ids on
// top. pendingValue is what an object's value will be once applied.
func pendingValue(top string, pending map[string]any, key string) string {
	v, ok := pending[key]
	if !ok {
		return top
	}
	if s, _ := v.(string); s != "deleted" {
		return fmt.Sprint(v)
	}
	return ""
}

func (v *SDNVnet) settle() {
	v.Zone, v.Alias = pendingValue(v.Zone, v.Pending, "zone"), pendingValue(v.Alias, v.Pending, "alias")
}

func (s *SDNSubnet) settle() {
	s.CIDR, s.Gateway = pendingValue(s.CIDR, s.Pending, "cidr"), pendingValue(s.Gateway, s.Pending, "gateway")
}

func (z *SDNZone) settle() {
	z.Type, z.DHCP, z.IPAM = pendingValue(z.Type, z.Pending, "type"), pendingValue(z.DHCP, z.Pending, "dhcp"), pendingValue(z.IPAM, z.Pending, "ipam")
}

// SDNVnetByID reads one vnet in the pending view; found is false when there
// is none.
func (c *Client) SDNVnetByID(ctx context.Context, vnet string) (v SDNVnet, found bool, err error) {
	err = c.do(ctx, "reading SDN vnet "+vnet, func(ctx context.Context) error {
		return c.api.Get(ctx, "/cluster/sdn/vnets/"+url.PathEscape(vnet)+"?pending=1", &v)
	})
	if IsNotFound(err) || err == nil && v.ID == "" {
		return SDNVnet{}, false, nil
	}
	v.settle()
	return v, err == nil, err
}

// SDNVnets lists the vnets in the pending view.
func (c *Client) SDNVnets(ctx context.Context) ([]SDNVnet, error) {
	var out []SDNVnet
	err := c.do(ctx, "listing SDN vnets", func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/cluster/sdn/vnets?pending=1", &out)
	})
	for i := range out {
		out[i].settle()
	}
	return out, err
}

// SDNZone is a zone as the pending view shows it.
type SDNZone struct {
	ID      string         `json:"zone"`
	Type    string         `json:"type"`
	DHCP    string         `json:"dhcp"`
	IPAM    string         `json:"ipam"`
	State   string         `json:"state"`
	Pending map[string]any `json:"pending"`
}

// SDNZones lists the zones in the pending view.
func (c *Client) SDNZones(ctx context.Context) ([]SDNZone, error) {
	var out []SDNZone
	err := c.do(ctx, "listing SDN zones", func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/cluster/sdn/zones?pending=1", &out)
	})
	for i := range out {
		out[i].settle()
	}
	return out, err
}

// SDNSubnets lists a vnet's subnets in the pending view.
func (c *Client) SDNSubnets(ctx context.Context, vnet string) ([]SDNSubnet, error) {
	var out []SDNSubnet
	err := c.do(ctx, "listing the subnets of SDN vnet "+vnet, func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/cluster/sdn/vnets/"+url.PathEscape(vnet)+"/subnets?pending=1", &out)
	})
	for i := range out {
		out[i].settle()
	}
	return out, err
}

// CreateSDNSimpleZone creates a simple zone with dnsmasq DHCP and PVE's IPAM.
func (c *Client) CreateSDNSimpleZone(ctx context.Context, zone string) error {
	body := map[string]any{"zone": zone, "type": "simple", "dhcp": "dnsmasq", "ipam": "pve"}
	return c.do(ctx, "creating SDN zone "+zone, func(ctx context.Context) error {
		return c.api.Post(ctx, "/cluster/sdn/zones", body, nil)
	})
}

// CreateSDNVnet creates a vnet in a zone; alias is its description.
func (c *Client) CreateSDNVnet(ctx context.Context, vnet, zone, alias string) error {
	body := map[string]any{"vnet": vnet, "zone": zone, "alias": alias}
	return c.do(ctx, "creating SDN vnet "+vnet, func(ctx context.Context) error {
		return c.api.Post(ctx, "/cluster/sdn/vnets", body, nil)
	})
}

// CreateSDNSubnet creates a subnet of a vnet with its gateway, source NAT
// and one DHCP range.
func (c *Client) CreateSDNSubnet(ctx context.Context, vnet, cidr, gateway, rangeStart, rangeEnd string) error {
	body := map[string]any{"subnet": cidr, "type": "subnet", "gateway": gateway, "snat": 1,
		"dhcp-range": []string{"start-address=" + rangeStart + ",end-address=" + rangeEnd}}
	return c.do(ctx, fmt.Sprintf("creating SDN subnet %s of %s", cidr, vnet), func(ctx context.Context) error {
		return c.api.Post(ctx, "/cluster/sdn/vnets/"+url.PathEscape(vnet)+"/subnets", body, nil)
	})
}

// DeleteSDNSubnet, DeleteSDNVnet and DeleteSDNZone remove pending objects;
// an apply makes the removal real.
func (c *Client) DeleteSDNSubnet(ctx context.Context, vnet, subnetID string) error {
	return c.do(ctx, "deleting SDN subnet "+subnetID, func(ctx context.Context) error {
		return c.api.Delete(ctx, "/cluster/sdn/vnets/"+url.PathEscape(vnet)+"/subnets/"+url.PathEscape(subnetID), nil)
	})
}

func (c *Client) DeleteSDNVnet(ctx context.Context, vnet string) error {
	return c.do(ctx, "deleting SDN vnet "+vnet, func(ctx context.Context) error {
		return c.api.Delete(ctx, "/cluster/sdn/vnets/"+url.PathEscape(vnet), nil)
	})
}

func (c *Client) DeleteSDNZone(ctx context.Context, zone string) error {
	return c.do(ctx, "deleting SDN zone "+zone, func(ctx context.Context) error {
		return c.api.Delete(ctx, "/cluster/sdn/zones/"+url.PathEscape(zone), nil)
	})
}

// ApplySDN makes the pending SDN configuration the running one on every
// node (PUT /cluster/sdn) and waits for its task.
func (c *Client) ApplySDN(ctx context.Context) error {
	var upid string
	if err := c.do(ctx, "applying the SDN configuration", func(ctx context.Context) error {
		return c.api.Put(ctx, "/cluster/sdn", nil, &upid)
	}); err != nil {
		return err
	}
	_, err := c.WaitTask(ctx, upid)
	return err
}

// SDNLeases lists the addresses PVE's IPAM holds in a zone, with the VMID
// of the guest that holds each ("" for the subnet's gateway).
func (c *Client) SDNLeases(ctx context.Context, zone string) ([]SDNLease, error) {
	var all []SDNLease
	if err := c.do(ctx, "reading PVE's IPAM", func(ctx context.Context) error {
		all = nil
		return c.api.Get(ctx, "/cluster/sdn/ipams/pve/status", &all)
	}); err != nil {
		return nil, err
	}
	var out []SDNLease
	for _, l := range all {
		if l.Zone == zone {
			out = append(out, l)
		}
	}
	return out, nil
}

// SDNLease is one address of PVE's IPAM.
type SDNLease struct {
	Zone    string `json:"zone"`
	Subnet  string `json:"subnet"`
	IP      string `json:"ip"`
	VMID    any    `json:"vmid"`
	Gateway any    `json:"gateway"`
}
