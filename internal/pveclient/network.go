package pveclient

import (
	"context"
	"net/url"
)

// NetworkInterface is one interface of a node's network configuration as
// GET /nodes/{node}/network lists it (pve-manager PVE/API2/Network.pm index).
type NetworkInterface struct {
	Name string `json:"iface"`
	Type string `json:"type"` // bridge, OVSBridge, vnet (an SDN VNet), eth, bond...
	// Active is 1 when the applied configuration brought the interface up;
	// an interface only in the pending interfaces.new is listed with 0. An
	// SDN vnet comes as the string "1" (pve-network's get_local_vnets).
	Active NetworkFlag `json:"active"`
	// MTU is the mtu option of the interface (network_mtu.go); 0: unset.
	MTU NetworkMTU `json:"mtu"`
}

// Bridges lists what a container's net0 can name as its bridge on a node:
// Linux and OVS bridges, and the SDN VNets of the node (type any_bridge).
// PVE leaves out the bridges the caller has neither SDN.Audit nor SDN.Use
// on (check_sdn_bridge on /sdn/zones/localnetwork/<bridge>).
func (c *Client) Bridges(ctx context.Context, node string) ([]NetworkInterface, error) {
	var out []NetworkInterface
	err := c.do(ctx, "listing the bridges of "+node, func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/network?type=any_bridge", &out)
	})
	return out, err
}

// NetworkFlag is a 0/1 flag that PVE sends as a number or a string.
type NetworkFlag int

// UnmarshalJSON reads 1, "1", 0, "0" or null.
func (f *NetworkFlag) UnmarshalJSON(b []byte) error {
	var m NetworkMTU
	if err := m.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = NetworkFlag(m)
	return nil
}
