package pveclient

import (
	"context"
	"encoding/json"
	"strings"
)

// Quorate reports whether the cluster has quorum, as the "cluster" entry of
// /cluster/status says (pve-manager PVE/API2/Cluster.pm get_status). A node
// outside any cluster has no such entry: its pmxcfs runs alone and is
// always writable.
func (c *Client) Quorate(ctx context.Context) (bool, error) {
	var items []struct {
		Type    string          `json:"type"`
		Quorate json.RawMessage `json:"quorate"`
	}
	if err := c.do(ctx, "reading the cluster status", func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/cluster/status", &items)
	}); err != nil {
		return false, err
	}
	for _, it := range items {
		if it.Type == "cluster" {
			// A Perl boolean: 1 or 0, as a number or a string.
			v := strings.Trim(string(it.Quorate), `"`)
			return v == "1" || v == "true", nil
		}
	}
	return true, nil
}
