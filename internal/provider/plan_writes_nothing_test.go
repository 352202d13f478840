package provider

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccPlanAndRefreshWriteNothing: after an apply, the cluster drifts as
// it does in real life (an app's container is deleted out of band, which
// leaves its pair in the allocation table with no container; another app
// carries a px-deploying mark), and then a plan and a refresh-only run
// change nothing anywhere: the simulator counts no write (no API call but
// GETs, no file changed on a node: neither the allocation table on pmxcfs
// nor its cluster lock). The next apply makes the repairs: the deleted app
// comes back, the pair of the gone container is released exactly once (the
// table holds the three pairs the containers record, nothing else), the
// mark goes with the next update of its app, and the plan is empty after.
func TestAccPlanAndRefreshWriteNothing(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.provider(withSSH())) // the allocation table lives on the simulated pmxcfs
	gone, kept := application("gone", "nginx", "gone"), application("kept", "nginx", "kept")
	pair := portAllocation("pair").str("owner", "spare")
	usage := dataBlock("proximity_port_usage", "u").set("depends_on", "[proximity_port_allocation.pair]")
	// Every other kind of object a refresh reads, too.
	archive := backup("archive").set("application_id", kept.address()+".id")
	reads := rawHCL(`data "proximity_nodes" "all" {}
data "proximity_catalog" "all" {}
data "proximity_catalog_app" "nginx" { id = "nginx" }
data "proximity_backups" "kept" {
  application_id = proximity_backup.archive.application_id
}
`)
	cfg := config(block, gone, kept, pair, usage, archive, reads)
	noWrites := func(what string) func() {
		return func() {
			if w := e.sim.Stats().Writes; len(w) != 0 {
				t.Errorf("%s wrote: %v", what, w)
			}
			e.sim.ResetStats()
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					ctx := context.Background()
					g := guestNamed(t, e, "gone")
					e.must(e.client.StopGuest(ctx, g.Node, g.VMID))
					e.must(e.client.DeleteGuest(ctx, g.Node, g.VMID))
					k := guestNamed(t, e, "kept")
					e.must(e.client.UpdateContainerConfig(ctx, k.Node, k.VMID,
						pveclient.ContainerConfigUpdate{Tags: append(pveclient.Tags{deploy.TagDeploying}, k.Tags...)}))
					if n := len(hostAllocations(t, e)); n != 3 {
						t.Fatalf("%d allocations before the plan, want 3 (the gone app's pair stays)", n)
					}
					e.sim.ResetStats()
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig:          noWrites("terraform plan"),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The apply repairs; an update of kept (a description) takes
				// its mark away with it.
				PreConfig: func() {
					noWrites("terraform apply -refresh-only")()
					if n := len(hostAllocations(t, e)); n != 3 {
						t.Errorf("%d allocations after plan and refresh, want 3 as before", n)
					}
					if k := guestNamed(t, e, "kept"); !slices.Contains(k.Tags, deploy.TagDeploying) {
						t.Errorf("the refresh took kept's mark away: %v", k.Tags)
					}
				},
				Config: config(block, gone, kept.str("description", "kept"), pair, usage, archive, reads),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(gone.address(), plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction(kept.address(), plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					expectTableMatchesCluster(t, e)
					if k := guestNamed(t, e, "kept"); slices.Contains(k.Tags, deploy.TagDeploying) {
						t.Errorf("kept's mark stays after its update: %v", k.Tags)
					}
					return nil
				},
			},
		},
	})
}

// guestNamed finds the one guest with a hostname.
func guestNamed(t *testing.T, e *testEnv, hostname string) pveclient.ClusterGuest {
	t.Helper()
	guests, err := e.client.ClusterGuests(context.Background())
	e.must(err)
	for _, g := range guests {
		if g.Name == hostname {
			return g
		}
	}
	t.Fatalf("no guest %q", hostname)
	return pveclient.ClusterGuest{}
}

// hostAllocations reads the allocation table from the simulated pmxcfs.
func hostAllocations(t *testing.T, e *testEnv) []allocstore.Allocation {
	t.Helper()
	out, code, err := e.onNode("pve1", "cat "+allocstore.HostFile)
	if err != nil || code != 0 {
		t.Fatalf("reading %s: %d %v %s", allocstore.HostFile, code, err, out)
	}
	var table allocstore.Table
	e.must(json.Unmarshal([]byte(out), &table))
	return table.Allocations
}

// expectTableMatchesCluster checks that the allocation table holds exactly
// the pairs the apps' containers record, plus the spare pair: none leaked,
// none lost.
func expectTableMatchesCluster(t *testing.T, e *testEnv) {
	t.Helper()
	guests, err := e.client.ClusterGuests(context.Background())
	e.must(err)
	recorded := map[int]bool{}
	for _, g := range guests {
		for _, tag := range g.Tags {
			if p, ok := strings.CutPrefix(tag, allocstore.PublicTagPrefix); ok {
				var port int
				_ = json.Unmarshal([]byte(p), &port)
				recorded[port] = true
			}
		}
	}
	table := hostAllocations(t, e)
	apps := 0
	for _, a := range table {
		switch {
		case a.Owner == "spare":
		case recorded[a.PublicPort]:
			apps++
		default:
			t.Errorf("allocation %+v is recorded on no container: leaked", a)
		}
	}
	if apps != 2 || len(table) != 3 {
		t.Errorf("the table holds %d pairs, %d of them apps', want 3 and 2: %+v", len(table), apps, table)
	}
}
