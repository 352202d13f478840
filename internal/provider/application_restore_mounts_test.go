package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// TestAccApplicationRestoreInPlaceKeepsTheConfiguredMountPoints: PVE's
// restore rebuilds mpN from the archive (create_vm with recover_config), so
// a backup made with one mount point, restored over the app that now has
// two, brought back one while the state said two. The configured mount
// points are applied again after the restore: the container has both, and
// the plan after the apply is empty.
func TestAccApplicationRestoreInPlaceKeepsTheConfiguredMountPoints(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1").set("mount_points", `[{ path = "/data", size_gb = 1 }]`)
	webBackup := backup("web").set("application_id", "proximity_application.web.id")
	both := web.set("mount_points", `[{ path = "/data", size_gb = 1 }, { path = "/cache", size_gb = 1 }]`)
	backupsOfWeb := dataBlock("proximity_backups", "web").num("vmid", 100)
	restored := both.set("restore_from", "data.proximity_backups.web.backups[0].volid")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config(block, web, webBackup)},
			{Config: config(block, both, webBackup)},
			{
				Config: config(block, backupsOfWeb, restored, webBackup),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"mp0": knownvalue.StringRegexp(regexp.MustCompile(`mp=/data`)),
						"mp1": knownvalue.StringRegexp(regexp.MustCompile(`mp=/cache`)),
					}),
				},
			},
		},
	})
}
