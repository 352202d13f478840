package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccBackupOfReplacedApplication replaces the app a backup points at
// (catalog_id forces it): the backup plans as an in-place record of the new
// application_id, the apply completes, the archive of the old container is
// still there, and the next plan is empty. Before the fix the plan said
// "update" and the apply's final plan said "replace" ("Provider produced
// inconsistent final plan"), which stopped the apply halfway.
func TestAccBackupOfReplacedApplication(t *testing.T) {
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	nightly := backup("nightly").set("application_id", "proximity_application.web.id")
	sameVolID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		// Destroy deletes the archive by default.
		CheckDestroy: destroyed(expectArchives(e, "pve1", "local", 100, 0)),
		Steps: []resource.TestStep{
			{
				Config: config(block, web, nightly),
				ConfigStateChecks: []statecheck.StateCheck{
					sameVolID.AddStateValue(nightly.address(), tfjsonpath.New("volid")),
					expectArchives(e, "pve1", "local", 100, 1),
				},
			},
			{
				Config: config(block, web.str("catalog_id", "caddy"), nightly),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionDestroyBeforeCreate),
						// Not a new backup: the archive of the old container stays.
						plancheck.ExpectResourceAction(nightly.address(), plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameVolID.AddStateValue(nightly.address(), tfjsonpath.New("volid")),
					statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("catalog_id"), knownvalue.StringExact("caddy")),
					// The new container may take VMID 100 again; the archive is the old one's.
					expectArchives(e, "pve1", "local", 100, 1),
				},
			},
			{
				// Replaced by an app on another node, the app's id changes, known
				// only at apply (a change of node alone migrates the app in place).
				Config: config(block, web.str("node", "pve2"), nightly),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction(nightly.address(), plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(nightly.address(), tfjsonpath.New("application_id")),
						plancheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("volid"), knownvalue.NotNull()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameVolID.AddStateValue(nightly.address(), tfjsonpath.New("volid")),
					statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("node"), knownvalue.StringExact("pve1")),
					statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("application_id"), knownvalue.StringRegexp(regexp.MustCompile(`^pve2/`))),
					expectArchives(e, "pve1", "local", 100, 1),
				},
			},
		},
	})
}
