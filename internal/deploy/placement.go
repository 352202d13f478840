package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The rules that choose the node of an app that names none (Service.Placement).
const (
	// PlacementPack takes the online node with the most free memory; creates
	// of one apply read the same memory, so they land together. The default.
	PlacementPack = "pack"
	// PlacementSpread takes the online node with the fewest Proximity apps,
	// then the most free memory; the creates of one run count each other.
	PlacementSpread = "spread"
)

// Placements are the values Service.Placement takes.
var Placements = []string{PlacementPack, PlacementSpread}

// placements are the nodes this run's spread creates chose, by hostname: a
// create running beside them read its cluster listing before their
// containers existed. A create that failed stays counted until the run ends.
type placements struct {
	mu     sync.Mutex // held across a choice, so that two choices see each other
	byHost map[string]string
}

// chooseNode takes the asked node, the default one, or the online node that
// fits the app's memory and comes first by the Placement rule and has its
// bridge (DefaultBridge when empty); a node without the bridge would create
// a container that does not start (BridgeError). guests is the cluster
// listing the create read: spread counts the Proximity apps in it.
func (d *Service) chooseNode(ctx context.Context, spec Spec, memoryMB int, guests []pveclient.ClusterGuest) (string, error) {
	nodes, err := d.Client.Nodes(ctx)
	if err != nil {
		return "", err
	}
	if want := cmp.Or(spec.Node, d.DefaultNode); want != "" {
		if err := checkNode(nodes, want); err != nil {
			return "", err
		}
		return want, d.CheckNodeBridge(ctx, want, spec.Bridge)
	}
	var placed *placements
	var counts map[string]int
	if d.Placement == PlacementSpread {
		if d.Claims != nil {
			placed = &d.Claims.placed
			placed.mu.Lock()
			defer placed.mu.Unlock()
		}
		counts = appCounts(guests, placed)
	}
	names := rankNodes(nodes, memoryMB, counts)
	if len(names) == 0 {
		return "", fmt.Errorf("no online node has %d MB of memory free", memoryMB)
	}
	node, err := d.firstWithBridge(ctx, names, cmp.Or(spec.Bridge, DefaultBridge))
	if err == nil && placed != nil {
		if placed.byHost == nil {
			placed.byHost = map[string]string{}
		}
		placed.byHost[spec.Hostname] = node
	}
	return node, err
}

// rankNodes orders the online nodes with memoryMB free: by fewest apps
// (counts; nil for pack), then by most free memory.
func rankNodes(nodes []pveclient.Node, memoryMB int, counts map[string]int) []string {
	var fit []pveclient.Node
	for _, n := range nodes {
		if n.Online && n.MemoryFree() >= int64(memoryMB)<<20 {
			fit = append(fit, n)
		}
	}
	slices.SortStableFunc(fit, func(a, b pveclient.Node) int {
		return cmp.Or(cmp.Compare(counts[a.Name], counts[b.Name]), cmp.Compare(b.MemoryFree(), a.MemoryFree()))
	})
	names := make([]string, len(fit))
	for i, n := range fit {
		names[i] = n.Name
	}
	return names
}

// appCounts is the number of Proximity apps on each node: the containers
// tagged proximity in the listing, and the apps this run placed whose
// containers the listing does not show yet (a hostname names one app).
func appCounts(guests []pveclient.ClusterGuest, placed *placements) map[string]int {
	counts := map[string]int{}
	listed := map[[2]string]bool{}
	for _, g := range guests {
		if g.Type == "lxc" && slices.Contains(g.Tags, TagProximity) {
			counts[g.Node]++
			listed[[2]string{g.Node, g.Name}] = true
		}
	}
	if placed != nil {
		for host, node := range placed.byHost {
			if !listed[[2]string{node, host}] {
				counts[node]++
			}
		}
	}
	return counts
}
