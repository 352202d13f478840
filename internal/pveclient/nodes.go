package pveclient

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Node is one cluster member as the resources see it.
type Node struct {
	Name        string
	Online      bool
	CPUUsage    float64 // 0..1
	CPUs        int
	MemoryUsed  int64
	MemoryTotal int64
	DiskUsed    int64
	DiskTotal   int64
	Uptime      int64
}

// MemoryFree is what a new guest could still take.
func (n Node) MemoryFree() int64 { return max(0, n.MemoryTotal-n.MemoryUsed) }

type nodeItem struct {
	Node    string  `json:"node"`
	Status  string  `json:"status"`
	CPU     float64 `json:"cpu"`
	MaxCPU  int     `json:"maxcpu"`
	Mem     int64   `json:"mem"`
	MaxMem  int64   `json:"maxmem"`
	Disk    int64   `json:"disk"`
	MaxDisk int64   `json:"maxdisk"`
	Uptime  int64   `json:"uptime"`
}

// Nodes lists the cluster's nodes sorted by name.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var items []nodeItem
	err := c.do(ctx, "listing nodes", func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/nodes", &items)
	})
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(items))
	for _, it := range items {
		out = append(out, Node{
			Name: it.Node, Online: it.Status == "online", CPUUsage: it.CPU, CPUs: it.MaxCPU,
			MemoryUsed: it.Mem, MemoryTotal: it.MaxMem, DiskUsed: it.Disk, DiskTotal: it.MaxDisk, Uptime: it.Uptime,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Version is the PVE version string ("8.4.1"); it also proves the credentials work.
func (c *Client) Version(ctx context.Context) (string, error) {
	var v struct {
		Version string `json:"version"`
	}
	err := c.do(ctx, "reading the Proxmox version", func(ctx context.Context) error {
		return c.api.Get(ctx, "/version", &v)
	})
	return v.Version, err
}

// NodeAddress returns a node's IP from /cluster/status, where SSH reaches it.
func (c *Client) NodeAddress(ctx context.Context, node string) (string, error) {
	var items []struct {
		Type string `json:"type"`
		Name string `json:"name"`
		IP   string `json:"ip"`
	}
	if err := c.do(ctx, "reading the cluster status", func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/cluster/status", &items)
	}); err != nil {
		return "", err
	}
	for _, it := range items {
		if it.Type == "node" && it.Name == node {
			if it.IP == "" {
				return "", fmt.Errorf("the cluster status lists node %s without an address", node)
			}
			return it.IP, nil
		}
	}
	return "", fmt.Errorf("node %s is not in the cluster", node)
}

// ClusterGuest is a guest as /cluster/resources lists it. pvestatd feeds
// that list, so it can lag a few seconds behind the guest: its status is
// "unknown" at first and may trail a start or a stop.
type ClusterGuest struct {
	VMID   int
	Node   string
	Type   string // lxc or qemu
	Name   string
	Status string
	Tags   []string
	Pool   string // its resource pool, listed only to an identity with Pool.Audit on it
}

// ClusterGuests lists every guest of the cluster, in one call.
func (c *Client) ClusterGuests(ctx context.Context) ([]ClusterGuest, error) {
	var items []struct {
		VMID   int    `json:"vmid"`
		Node   string `json:"node"`
		Type   string `json:"type"`
		Name   string `json:"name"`
		Status string `json:"status"`
		Tags   string `json:"tags"`
		Pool   string `json:"pool"`
	}
	if err := c.do(ctx, "listing the cluster's guests", func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/cluster/resources?type=vm", &items)
	}); err != nil {
		return nil, err
	}
	out := make([]ClusterGuest, 0, len(items))
	for _, it := range items {
		g := ClusterGuest{VMID: it.VMID, Node: it.Node, Type: it.Type, Name: it.Name, Status: it.Status, Pool: it.Pool}
		g.Tags = strings.FieldsFunc(it.Tags, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
		out = append(out, g)
	}
	return out, nil
}

// OnlineNodes lists the names of the online nodes, most free memory first.
func (c *Client) OnlineNodes(ctx context.Context) ([]string, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].MemoryFree() > nodes[j].MemoryFree() })
	var out []string
	for _, n := range nodes {
		if n.Online {
			out = append(out, n.Name)
		}
	}
	return out, nil
}
