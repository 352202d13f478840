package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationTemplateByName: template may name a template by its
// file name or by its volid, and both are one value. An app created by file
// name keeps that name in state (no "inconsistent result after apply") and
// plans nothing after; switching its configuration to the volid it runs, or
// an app created with the default (a volid in state) to the file name,
// plans no change rather than a replacement. A short name that matches no
// template is refused at plan, with the closest ones named.
func TestAccApplicationTemplateByName(t *testing.T) {
	requireAcc(t)
	const name = "alpine-3.22-default_20250617_amd64.tar.xz"
	const volid = "local:vztmpl/" + name
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	block := rawHCL(e.appProvider())
	byDefault := application("a", "nginx", "first").str("node", "pve1").num("memory", 128)
	byName := application("b", "nginx", "second").str("node", "pve1").num("memory", 128).str("template", name)
	emptyAfterApply := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	noChange := func(addr string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:           config(block, byDefault),
			ConfigPlanChecks: emptyAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(byDefault.address(), tfjsonpath.New("template"), knownvalue.StringExact(volid)),
			},
		}, {
			// The volid in state, the file name configured: the same template.
			Config:           config(block, byDefault.str("template", name)),
			ConfigPlanChecks: noChange(byDefault.address()),
		}, {
			Config:           config(block, byDefault.str("template", name), byName),
			ConfigPlanChecks: emptyAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(byName.address(), tfjsonpath.New("template"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(byName.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
			},
		}, {
			// The file name in state, the volid configured.
			Config:           config(block, byDefault.str("template", name), byName.str("template", volid)),
			ConfigPlanChecks: noChange(byName.address()),
		}, {
			Config: config(block, byDefault.str("template", name), byName.str("template", volid),
				application("c", "nginx", "third").str("node", "pve1").str("template", "alpine-3.22")),
			PlanOnly:    true,
			ExpectError: errorLike(`template alpine-3.22 is on no template storage of pve1 .* closest: ` + name),
		}},
		CheckDestroy: e.nothingLeft(),
	})
}
