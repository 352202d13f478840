package pveclient

import (
	"context"
	"net/url"
)

// Appliance is one record of a node's appliance index (GET
// /nodes/{node}/aplinfo, pveam available): the parsed aplinfo-pve-N.dat of
// the node's PVE release, with the file name PVE/APLInfo.pm adds.
type Appliance struct {
	Template string `json:"template"` // file name: <package>_<version>_<arch>.tar.<ext>
	Package  string `json:"package"`  // alpine-3.22-default, debian-13-standard
	Version  string `json:"version"`  // 20250617, 13.1-2
	OS       string `json:"os"`       // alpine, debian-13, ubuntu-24.04
	Section  string `json:"section"`  // system, turnkeylinux, mail
	Type     string `json:"type"`     // lxc, or openvz in old indexes
	Location string `json:"location"` // the URL pveam downloads
}

// ApplianceIndex lists the node's appliance index as it stands (the index
// of the node's release, which pveam update refreshes).
func (c *Client) ApplianceIndex(ctx context.Context, node string) ([]Appliance, error) {
	var items []Appliance
	err := c.do(ctx, "listing downloadable templates on "+node, func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/aplinfo", &items)
	})
	return items, err
}

// Appliances lists the names of the LXC templates the node can download.
func (c *Client) Appliances(ctx context.Context, node string) ([]string, error) {
	items, err := c.ApplianceIndex(ctx, node)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if it.Type == "lxc" {
			out = append(out, it.Template)
		}
	}
	return out, nil
}
