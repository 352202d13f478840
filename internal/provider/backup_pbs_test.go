package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// pbsSnapshot is a PBS backup's volid: "<storage>:backup/ct/<vmid>/<UTC
// time>" (pve-storage src/PVE/Storage/PBSPlugin.pm parse_volname; the
// snapshot name is pve-manager PVE/VZDump.pm's $pbs_snapshot_name).
var pbsSnapshot = regexp.MustCompile(`^pbs:backup/ct/100/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestAccBackupOnProxmoxBackupServer: with a Proxmox Backup Server storage
// configured, a backup that names no storage goes there (DefaultStorageRule
// prefers it over the node's local directory), reads back, restores into a
// new application, and is deleted with the resource.
func TestAccBackupOnProxmoxBackupServer(t *testing.T) {
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	addPBS := "pvesm add pbs pbs --server 10.0.0.9 --datastore store1 --password x --content backup"
	if out, code, err := e.onNode("pve1", addPBS); err != nil || code != 0 {
		t.Fatalf("adding the PBS storage: %d %v %s", code, err, out)
	}
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	onPBS := backup("pbs").set("application_id", "proximity_application.web.id")
	copyOf := application("copy", "nginx", "web-copy").set("restore_from", "proximity_backup.pbs.volid")
	pbsBackups := dataBlock("proximity_backups", "pbs").num("vmid", 100).str("storage", "pbs")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectArchives(e, "pve1", "pbs", 100, 0)),
		Steps: []resource.TestStep{
			{
				Config: config(block, web),
				Check: func(*terraform.State) error {
					_, err := e.inContainer("pve1", 100, "echo on-pbs > /srv/marker")
					return err
				},
			},
			{
				Config: config(block, web, onPBS),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(onPBS.address(), tfjsonpath.New("storage"), knownvalue.StringExact("pbs")),
					statecheck.ExpectKnownValue(onPBS.address(), tfjsonpath.New("volid"), knownvalue.StringRegexp(pbsSnapshot)),
					statecheck.ExpectKnownValue(onPBS.address(), tfjsonpath.New("format"), knownvalue.StringExact("pbs-ct")),
					expectArchives(e, "pve1", "pbs", 100, 1),
					expectArchives(e, "pve1", "local", 100, 0),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Forgotten (the archive stays) and imported again, the
				// snapshot plans no replacement: PBS compresses itself, so the
				// archive records no compress setting to differ from the
				// configuration's; mode and application_id are recorded in place.
				Config: config(block, web, rawHCL("removed {\n  from = "+onPBS.address()+"\n  lifecycle { destroy = false }\n}")),
			},
			{
				Config: config(block, web, onPBS, pbsBackups,
					rawHCL("import {\n  to = "+onPBS.address()+"\n  id = data.proximity_backups.pbs.backups[0].volid\n}")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(onPBS.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "pbs", 100, 1)},
			},
			{
				Config: config(block, web, onPBS, copyOf),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(copyOf.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
					expectContainerFile(e, 101, "/srv/marker", "on-pbs"),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The archive goes with its resource.
				Config:            config(block, web),
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "pbs", 100, 0)},
			},
		},
	})
}
