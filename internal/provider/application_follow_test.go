package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationFollowsOutOfBandMigration: a container migrated out of
// band (the migrate API in restart mode, as PVE's pct migrate, HA or a
// node's maintenance do) keeps its VMID and is still the app. The refresh
// follows it, writing nothing: node and id name where it is, its pair stays
// in the allocation table, and there is one container. With node set in
// the configuration the plan then migrates it back in place (an update,
// id unknown); with node left out, the plan is empty. Before, the refresh
// read it as gone: the plan replaced it, and the apply released the pair
// of an app still running and created a second container.
func TestAccApplicationFollowsOutOfBandMigration(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").num("memory", 128)
	onPVE1 := web.str("node", "pve1")
	kept, first := keptValues(web)
	migrate := func(from, to string) func() {
		return func() {
			e.must(e.client.MigrateContainer(context.Background(), from, 100, to, ""))
			e.sim.ResetStats()
		}
	}
	followed := func(node string) []statecheck.StateCheck {
		return append([]statecheck.StateCheck{
			statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("node"), knownvalue.StringExact(node)),
			statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("id"), knownvalue.StringExact(node+"/100")),
			expectOneRunningGuest(e),
			expectAllocationCount(e.allocationFile, 1),
		}, kept()...)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, onPVE1), ConfigStateChecks: first},
			{
				PreConfig:          migrate("pve1", "pve2"),
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // node = "pve1" is configured: the way back
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(web.address(), "node", "pve2"),
					resource.TestCheckResourceAttr(web.address(), "id", "pve2/100"),
					destroyed(expectOneRunningGuest(e), expectAllocationCount(e.allocationFile, 1)), // facts of the cluster, here after a refresh
					func(*terraform.State) error {
						if w := e.sim.Stats().Writes; len(w) != 0 {
							return fmt.Errorf("the refresh wrote: %v", w)
						}
						return nil
					},
				),
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(web.address(), tfjsonpath.New("node"), knownvalue.StringExact("pve1")),
					plancheck.ExpectUnknownValue(web.address(), tfjsonpath.New("id")),
				}},
			},
			{
				Config: config(block, onPVE1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(followed("pve1"),
					expectOperationSteps(web, "0002", `^migrate: ok in \d+ ms: CT 100 from pve2 to pve1 \(restart mode\)$`)),
			},
			{
				PreConfig: migrate("pve1", "pve3"),
				Config:    config(block, web), // node left out: it follows the container
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: followed("pve3"),
			},
		},
	})
}

// TestAccMigrationToANodeKnownOnlyAtApply: node from another resource's
// output that is unknown at plan time (terraform_data's output after its
// input changed). The plan leaves id unknown, as the node may change; the
// final plan at apply, which runs ModifyPlan again with the node known,
// checks the move then: without VM.Migrate the apply fails before anything
// moves, with it the app migrates. Before, id stayed known in the plan and
// Terraform failed the apply: "Provider produced inconsistent final plan".
func TestAccMigrationToANodeKnownOnlyAtApply(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	block := rawHCL(e.appProvider(withAPIToken(e.minimalToken())))
	target := func(node string) rawHCL {
		return rawHCL(fmt.Sprintf("resource \"terraform_data\" \"target\" {\n  input = %q\n}\n", node))
	}
	web := application("web", "nginx", "web").num("memory", 128).set("node", "terraform_data.target.output")
	kept, first := keptValues(web)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, target("pve1"), web), ConfigStateChecks: first},
			{
				PreConfig: func() {
					e.pveumOK(`pveum role modify ProximityVMs --privs "VM.Allocate,VM.Audit,VM.Backup,VM.Config.CPU,VM.Config.Disk,` +
						`VM.Config.Memory,VM.Config.Network,VM.Config.Options,VM.PowerMgmt"`)
				},
				Config:      config(block, target("pve2"), web),
				ExpectError: missingPrivilegePattern("/vms/100", "VM.Migrate", "ProximityVMs"),
			},
			{
				PreConfig: func() {
					if node, err := e.guestNode(context.Background(), 100); err != nil || node != "pve1" {
						t.Errorf("after the refused apply CT 100 is on %q (%v), want pve1", node, err)
					}
					if n := e.sim.Stats().Tasks["vzmigrate"]; n != 0 {
						t.Errorf("the refused apply ran %d migrations", n)
					}
					e.pveumOK(`pveum role modify ProximityVMs --privs VM.Migrate --append 1`)
				},
				Config: config(block, target("pve3"), web),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(web.address(), tfjsonpath.New("node")),
						plancheck.ExpectUnknownValue(web.address(), tfjsonpath.New("id")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append([]statecheck.StateCheck{
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("node"), knownvalue.StringExact("pve3")),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("id"), knownvalue.StringExact("pve3/100")),
					expectOneRunningGuest(e),
				}, kept()...),
			},
		},
	})
}
