package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationPassword sets root's password at creation, changes it in
// place, and moves it to the write-only password_wo, which never reaches the
// state.
func TestAccApplicationPassword(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	app := func(b hclBlock) string { return config(block, b) }
	writeOnly := func(password string, version int) hclBlock {
		return web.str("password_wo", password).num("password_wo_version", version)
	}
	res := web.address()
	update := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      app(web.str("password", "x1234").str("password_wo", "fifth secret")),
				ExpectError: errorLike(`Attribute "password_wo" cannot be specified when "password" is specified`),
			},
			{
				Config:      app(web.num("password_wo_version", 4)),
				ExpectError: errorLike(`Attribute "password_wo" must be specified when "password_wo_version" is specified`),
			},
			{
				Config:            app(web.str("password", "first secret")),
				ConfigStateChecks: []statecheck.StateCheck{expectRootPassword(e, "pve1", 100, "first secret")},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           app(web.str("password", "it's $econd")),
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{
					expectRootPassword(e, "pve1", 100, "it's $econd"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					expectStepRan(res, 0, "set password"),
				},
			},
			{
				Config:           app(writeOnly("third secret", 1)),
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{
					expectRootPassword(e, "pve1", 100, "third secret"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password_wo"), knownvalue.Null()),
				},
			},
			{
				// A new write-only value alone changes nothing: Terraform cannot see it.
				Config:            app(writeOnly("fourth secret", 1)),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectRootPassword(e, "pve1", 100, "third secret")},
			},
			{
				Config:            app(writeOnly("fourth secret", 2)),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{expectRootPassword(e, "pve1", 100, "fourth secret")},
			},
			{
				Config:      app(writeOnly("fifth secret", 3).str("status", "stopped")),
				ExpectError: regexp.MustCompile(`A stopped application cannot change its password`),
			},
			{
				// Back to a valid configuration, which the test then destroys.
				Config:           app(writeOnly("fourth secret", 2)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
