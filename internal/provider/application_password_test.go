package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// rootPasswordIs checks root's password inside a container, from its /etc/shadow.
func rootPasswordIs(sim *pvesim.Simulator, node string, vmid int, password string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var out strings.Builder
		code, err := sim.RunOnNode(context.Background(), node, fmt.Sprintf("pct exec %d -- cat /etc/shadow", vmid), nil, &out, &out)
		if err != nil || code != 0 {
			return fmt.Errorf("reading /etc/shadow: %d %v %s", code, err, out.String())
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if fields := strings.Split(line, ":"); fields[0] == "root" && len(fields) > 1 {
				if sha512_crypt.New().Verify(fields[1], []byte(password)) != nil {
					return fmt.Errorf("root's password is not %q", password)
				}
				return nil
			}
		}
		return fmt.Errorf("no root in /etc/shadow")
	}
}

// TestAccApplicationPassword sets root's password at creation, changes it in
// place, and moves it to the write-only password_wo, which never reaches the
// state.
func TestAccApplicationPassword(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	app := func(extra string) string {
		return block + `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
  node       = "pve1"
` + extra + `
}
`
	}
	const res = "proximity_application.web"
	update := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      app(`password = "x1234"` + "\n" + `password_wo = "fifth secret"`),
				ExpectError: errorLike(`Attribute "password_wo" cannot be specified when "password" is specified`),
			},
			{
				Config:      app(`password_wo_version = 4`),
				ExpectError: errorLike(`Attribute "password_wo" must be specified when "password_wo_version" is specified`),
			},
			{
				Config:           app(`password = "first secret"`),
				Check:            rootPasswordIs(sim, "pve1", 100, "first secret"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           app(`password = "it's $econd"`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					rootPasswordIs(sim, "pve1", 100, "it's $econd"),
					resource.TestCheckResourceAttr(res, "vmid", "100"),
					resource.TestCheckResourceAttr(res, "deployment_log.0.step", "set password"),
				),
			},
			{
				Config:           app(`password_wo = "third secret"` + "\n" + `password_wo_version = 1`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(
					rootPasswordIs(sim, "pve1", 100, "third secret"),
					resource.TestCheckNoResourceAttr(res, "password"),
					resource.TestCheckNoResourceAttr(res, "password_wo"),
				),
			},
			{
				// A new write-only value alone changes nothing: Terraform cannot see it.
				Config:           app(`password_wo = "fourth secret"` + "\n" + `password_wo_version = 1`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            rootPasswordIs(sim, "pve1", 100, "third secret"),
			},
			{
				Config:           app(`password_wo = "fourth secret"` + "\n" + `password_wo_version = 2`),
				ConfigPlanChecks: update,
				Check:            rootPasswordIs(sim, "pve1", 100, "fourth secret"),
			},
			{
				Config:      app(`password_wo = "fifth secret"` + "\n" + `password_wo_version = 3` + "\n" + `status = "stopped"`),
				ExpectError: regexp.MustCompile(`A stopped application cannot change its password`),
			},
			{
				// Back to a valid configuration, which the test then destroys.
				Config:           app(`password_wo = "fourth secret"` + "\n" + `password_wo_version = 2`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
