package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Imports of a Proximity application (issue 16, item 8): each test deploys
// an app, forgets it from the state with a removed block (the container
// stays), and imports it again with an import block under the same
// configuration, which must then plan nothing.

// forget is a removed block that leaves the object where it is.
func forget(address string) rawHCL {
	return rawHCL("removed {\n  from = " + address + "\n  lifecycle { destroy = false }\n}\n")
}

// importBlock imports id into address.
func importBlock(address, id string) rawHCL {
	return rawHCL("import {\n  to = " + address + "\n  id = " + hclString(id) + "\n}\n")
}

// noChangeOnImport: the import plans no change beyond the import itself.
var noChangeOnImport = resource.ConfigPlanChecks{
	PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

// TestAccApplicationImportEnvironment imports an app deployed with an
// environment (a catalog key set to another value, a key of the user's own
// with a "$"): the environment comes back from the compose project, without
// the catalog's defaults, so the same configuration plans nothing: the
// password in secret_environment, TZ in environment.
func TestAccApplicationImportEnvironment(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	app := application("notify", "gotify", "notify").str("node", "pve1").
		set("environment", `{ TZ = "Europe/Paris" }`).set("secret_environment", `{ GOTIFY_DEFAULTUSER_PASS = "s3cr$t" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, app)},
			{Config: config(block, forget(app.address()))},
			{
				Config:           config(block, app, importBlock(app.address(), "pve1/100")),
				ConfigPlanChecks: noChangeOnImport,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("environment"), knownvalue.MapExact(map[string]knownvalue.Check{
						"TZ": knownvalue.StringExact("Europe/Paris"),
					})),
					statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("secret_environment"), knownvalue.MapExact(map[string]knownvalue.Check{
						"GOTIFY_DEFAULTUSER_PASS": knownvalue.StringExact("s3cr$t"),
					})),
				},
			},
		},
	})
}

// TestAccApplicationImportOnPortAllocation imports an app that runs on a
// proximity_port_allocation's pair: it comes back with port_allocation_id,
// not as the owner of the pair, so the plan is empty and its destroy leaves
// the allocation to its own resource.
func TestAccApplicationImportOnPortAllocation(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	pair := portAllocation("pair").str("owner", "shared pair")
	web := application("web", "nginx", "web").str("node", "pve1").set("port_allocation_id", "proximity_port_allocation.pair.id")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, pair, web)},
			{Config: config(block, pair, forget(web.address()))},
			{
				Config:           config(block, pair, web, importBlock(web.address(), "pve1/100")),
				ConfigPlanChecks: noChangeOnImport,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(web.address(), tfjsonpath.New("port_allocation_id"),
						pair.address(), tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("allocation_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					expectAllocationCount(e.allocationFile, 1),
				},
			},
			{
				// The imported app goes; the pair stays its resource's.
				Config: config(block, pair),
				ConfigStateChecks: []statecheck.StateCheck{
					expectGuestCount(e, 0),
					expectAllocationPair(e.allocationFile, 8100, 9100, "shared pair"),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccApplicationImportBareVMID imports an app by its VMID alone, with
// terraform import and with an import block: the node comes from the
// cluster listing. A node that does not hold the container is refused with
// where it is.
func TestAccApplicationImportBareVMID(t *testing.T) {
	e := newSimEnv(t, "")
	// terraform import runs in a working directory of its own: it needs the
	// provider's source spelled out.
	block := rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
` + e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve2")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				Config: config(block, web), ResourceName: web.address(), ImportState: true, ImportStateId: "pve1/100",
				ExpectError: errorLike(`CT 100 is on node pve2, not pve1: import it as pve2/100, or as 100`),
			},
			{
				Config: config(block, web), ResourceName: web.address(), ImportState: true, ImportStateId: "100",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"password", "deployment_log", "template", "timeouts"},
			},
			{Config: config(block, forget(web.address()))},
			{
				Config:           config(block, web, importBlock(web.address(), "100")),
				ConfigPlanChecks: noChangeOnImport,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("id"), knownvalue.StringExact("pve2/100")),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("node"), knownvalue.StringExact("pve2")),
				},
			},
		},
	})
}
