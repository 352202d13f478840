package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationRestore restores a backup into a new application (whose
// ports are then new, since the backed-up app still holds its own), and over
// the original application in place.
func TestAccApplicationRestore(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	webBackup := backup("web").set("application_id", "proximity_application.web.id")
	copyOf := application("copy", "nginx", "web-copy").set("restore_from", "proximity_backup.web.volid")
	// Looked up by VMID: the app cannot name a backup made of itself.
	backupsOfWeb := dataBlock("proximity_backups", "web").num("vmid", 100)
	restoredWeb := web.set("restore_from", "data.proximity_backups.web.backups[0].volid")
	copyRes, webRes := copyOf.address(), web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectAllocationCount(e.allocationFile, 0)),
		Steps: []resource.TestStep{
			{
				Config:      config(block, application("x", "nginx", "x").str("restore_from", "local:backup/vzdump-lxc-999-2026_01_01-00_00_00.tar.zst")),
				ExpectError: errorLike(`Backup not found`),
			},
			{
				Config: config(block, web),
				Check: func(*terraform.State) error {
					_, err := e.inContainer("pve1", 100, "echo v1 > /srv/marker")
					return err
				},
			},
			{
				Config: config(block, web, webBackup),
			},
			{
				// The plan looks for the archive where the restore would: on
				// the asked node, which does not hold pve1's local backup.
				Config: config(block, web, webBackup,
					application("elsewhere", "nginx", "elsewhere").str("node", "pve2").set("restore_from", "proximity_backup.web.volid")),
				ExpectError: errorLike(`Backup not found .* is not on node pve2`),
			},
			{
				Config: config(block, web, webBackup, copyOf),
				ConfigStateChecks: []statecheck.StateCheck{
					// The backed-up app still holds the backup's pair: the copy gets the next one.
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8101)),
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("deployment_log").AtSliceIndex(5).AtMapKey("step"),
						knownvalue.StringExact("restore container")),
					expectContainerFile(e, "pve1", 101, "/srv/marker", "v1"),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					_, err := e.inContainer("pve1", 100, "echo v2 > /srv/marker")
					e.must(err)
				},
				Config: config(block, backupsOfWeb, restoredWeb, webBackup, copyOf),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(webRes, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("deployment_log").AtSliceIndex(0).AtMapKey("step"), knownvalue.StringExact("stop")),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("deployment_log").AtSliceIndex(1).AtMapKey("step"),
						knownvalue.StringExact("restore container")),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					expectContainerFile(e, "pve1", 100, "/srv/marker", "v1"),
				},
			},
		},
	})
}
