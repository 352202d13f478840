package deploy

import (
	"slices"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// node is a node as GET /nodes lists it, with freeGiB of memory free.
func node(name string, online bool, freeGiB int64) pveclient.Node {
	return pveclient.Node{Name: name, Online: online, MemoryTotal: 64 << 30, MemoryUsed: (64 - freeGiB) << 30}
}

// guest is a container of the cluster listing; app marks it as Proximity's.
func guest(vmid int, node, name string, app bool) pveclient.ClusterGuest {
	g := pveclient.ClusterGuest{VMID: vmid, Node: node, Type: "lxc", Name: name, Tags: []string{"web"}}
	if app {
		g.Tags = append(g.Tags, TagProximity, TagApp+"nginx")
	}
	return g
}

// TestPlacementRules: pack orders by free memory alone; spread by the
// Proximity apps on the node, then free memory. Neither takes an offline
// node or one without the app's memory free.
func TestPlacementRules(t *testing.T) {
	nodes := []pveclient.Node{node("pve1", true, 10), node("pve2", true, 20), node("pve3", true, 30),
		node("down", false, 60), node("full", true, 0)}
	guests := []pveclient.ClusterGuest{
		guest(100, "pve3", "a", true), guest(101, "pve3", "b", true), guest(102, "pve2", "c", true),
		// Guests that are not Proximity apps do not count: a plain
		// container, and a VM.
		guest(103, "pve1", "mine", false), {VMID: 104, Node: "pve1", Type: "qemu", Name: "vm", Tags: []string{TagProximity}},
	}
	counts := appCounts(guests, nil)
	if want := map[string]int{"pve3": 2, "pve2": 1}; len(counts) != 2 || counts["pve3"] != 2 || counts["pve2"] != 1 {
		t.Errorf("app counts %v, want %v", counts, want)
	}
	if got := rankNodes(nodes, 512, nil); !slices.Equal(got, []string{"pve3", "pve2", "pve1"}) {
		t.Errorf("pack: %v, want the most free memory first", got)
	}
	if got := rankNodes(nodes, 512, counts); !slices.Equal(got, []string{"pve1", "pve2", "pve3"}) {
		t.Errorf("spread: %v, want the fewest apps first", got)
	}
	// A tie on apps goes to the most free memory.
	tied := appCounts(append(guests, guest(105, "pve1", "d", true)), nil)
	if got := rankNodes(nodes, 512, tied); !slices.Equal(got, []string{"pve2", "pve1", "pve3"}) {
		t.Errorf("spread with pve1 and pve2 at one app each: %v, want pve2 (20 GiB free) before pve1 (10 GiB)", got)
	}
	if got := rankNodes(nodes, 15<<10, counts); !slices.Equal(got, []string{"pve2", "pve3"}) {
		t.Errorf("spread of an app of 15 GiB: %v, want the nodes with the memory", got)
	}
}

// TestSpreadCountsThisRunsPlacements: a create placed by this run counts on
// its node until the listing shows its container, and then once.
func TestSpreadCountsThisRunsPlacements(t *testing.T) {
	placed := &placements{byHost: map[string]string{"new": "pve1", "a": "pve3"}}
	counts := appCounts([]pveclient.ClusterGuest{guest(100, "pve3", "a", true)}, placed)
	if counts["pve1"] != 1 || counts["pve3"] != 1 || len(counts) != 2 {
		t.Errorf("app counts %v, want pve1 and pve3 at one each", counts)
	}
}
