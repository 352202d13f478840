package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// chooseNode takes the asked node, the default one, or the online node with
// the most free memory that fits the app and has its bridge (DefaultBridge
// when empty); a node without the bridge would create a container that
// does not start (BridgeError).
func (d *Service) chooseNode(ctx context.Context, asked string, memoryMB int, bridge string) (string, error) {
	nodes, err := d.Client.Nodes(ctx)
	if err != nil {
		return "", err
	}
	if want := cmp.Or(asked, d.DefaultNode); want != "" {
		if err := checkNode(nodes, want); err != nil {
			return "", err
		}
		return want, d.CheckNodeBridge(ctx, want, bridge)
	}
	var fit []pveclient.Node
	for _, n := range nodes {
		if n.Online && n.MemoryFree() >= int64(memoryMB)<<20 {
			fit = append(fit, n)
		}
	}
	if len(fit) == 0 {
		return "", fmt.Errorf("no online node has %d MB of memory free", memoryMB)
	}
	slices.SortStableFunc(fit, func(a, b pveclient.Node) int { return cmp.Compare(b.MemoryFree(), a.MemoryFree()) })
	names := make([]string, len(fit))
	for i, n := range fit {
		names[i] = n.Name
	}
	return d.firstWithBridge(ctx, names, cmp.Or(bridge, DefaultBridge))
}
