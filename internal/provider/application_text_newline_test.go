package provider

import (
	"context"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccHeredocDescriptionAndNotes: a description and backup notes
// written as heredocs end with a newline. PVE drops a description's
// trailing newlines (write_pct_config) and keeps notes word for word; either
// way the configured text is what PVE has, so the plan after apply, and
// after a change of each, is empty, and the state keeps the text as written.
func TestAccHeredocDescriptionAndNotes(t *testing.T) {
	requireAcc(t)
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1").num("memory", 128).
		set("description", "<<-EOT\n    web front\n    owned by ops\n  EOT")
	nightly := backup("nightly").set("application_id", "proximity_application.web.id").
		set("notes", "<<-EOT\n    before the upgrade\n    keep it\n  EOT")
	emptyAfterApply := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:           config(block, web, nightly),
			ConfigPlanChecks: emptyAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("description"), knownvalue.StringExact("web front\nowned by ops\n")),
				statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("notes"), knownvalue.StringExact("before the upgrade\nkeep it\n")),
			},
			Check: func(s *terraform.State) error {
				vmid, err := strconv.Atoi(s.RootModule().Resources[web.address()].Primary.Attributes["vmid"])
				if err != nil {
					return err
				}
				// What PVE reads back from the config (parse_pct_config).
				cfg, err := e.client.ContainerConfig(context.Background(), "pve1", vmid)
				if err != nil {
					return err
				}
				if cfg.Description != "web front\nowned by ops\n" {
					t.Errorf("PVE has description %q", cfg.Description)
				}
				return nil
			},
		}, {
			// Changed in place, still heredocs, with a blank line at the end.
			Config: config(block,
				web.set("description", "<<-EOT\n    web front\n\n  EOT"),
				nightly.set("notes", "<<-EOT\n    after the upgrade\n  EOT")),
			ConfigPlanChecks: emptyAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("description"), knownvalue.StringExact("web front\n\n")),
				statecheck.ExpectKnownValue(nightly.address(), tfjsonpath.New("notes"), knownvalue.StringExact("after the upgrade\n")),
			},
		}},
		CheckDestroy: e.nothingLeft(),
	})
}
