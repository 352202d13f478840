package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// TestAccMountPointsGrownProtectedReordered: after a volume grew out of
// band, a configuration that removes the mount point before it plans (it
// was "Provider produced invalid plan": the grown size was planned at
// another index); protection turned on in the apply that adds a mount
// point is set last (PVE's check_protection refused the mount point when
// protection came first, and left the app protected and half changed); a
// protected app's mount point change is refused at plan, naming
// protection.
func TestAccMountPointsGrownProtectedReordered(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	app := application("media", "it-tools", "media").str("node", "pve1")
	with := func(mounts, protection string) string {
		return config(block, app.set("mount_points", mounts).set("protection", protection))
	}
	res := app.address()
	inPlace := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: with(`[{ path = "/cache", size_gb = 1 }, { path = "/data", size_gb = 2 }]`, "false")},
			{
				PreConfig:        func() { onNodeMust(t, e, "pve1", "pct resize 100 mp1 5G") },
				Config:           with(`[{ path = "/data", size_gb = 2 }]`, "false"),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"mp1": knownvalue.StringRegexp(regexp.MustCompile(`mp=/data,.*size=5G`)),
					}),
				},
			},
			{
				Config:           with(`[{ path = "/data", size_gb = 2 }, { path = "/cache", size_gb = 1 }]`, "true"),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"protection": knownvalue.Int64Exact(1)}),
				},
			},
			{
				Config:      with(`[{ path = "/data", size_gb = 2 }]`, "true"),
				PlanOnly:    true,
				ExpectError: errorLike(`PVE refuses to add, remove or change a mount point of a protected container`),
			},
			{Config: with(`[{ path = "/data", size_gb = 2 }, { path = "/cache", size_gb = 1 }]`, "false"), ConfigPlanChecks: inPlace},
		},
	})
}
