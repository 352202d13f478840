package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// inContainer runs a shell command inside a container through its node.
func inContainer(sim *pvesim.Simulator, node string, vmid int, command string) (string, error) {
	var out strings.Builder
	code, err := sim.RunOnNode(context.Background(), node, fmt.Sprintf("pct exec %d -- sh -c %q", vmid, command), nil, &out, &out)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d: %s", code, out.String())
	}
	return strings.TrimSpace(out.String()), err
}

func markerIs(sim *pvesim.Simulator, vmid int, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := inContainer(sim, "pve1", vmid, "cat /srv/marker")
		if err != nil || got != want {
			return fmt.Errorf("marker in CT %d is %q (%v), want %q", vmid, got, err, want)
		}
		return nil
	}
}

// TestAccApplicationRestore restores a backup into a new application (whose
// ports are then new, since the backed-up app still holds its own), and over
// the original application in place.
func TestAccApplicationRestore(t *testing.T) {
	sim := newSim(t, "")
	block, file := appProviderBlock(t, sim)
	web := `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
  node       = "pve1"
%s
}
`
	backup := `
resource "proximity_backup" "web" {
  application_id = proximity_application.web.id
}
`
	copyOf := `
resource "proximity_application" "copy" {
  catalog_id   = "nginx"
  hostname     = "web-copy"
  restore_from = proximity_backup.web.volid
}
`
	// Looked up by VMID: the app cannot name a backup made of itself.
	restoreOver := `
data "proximity_backups" "web" {
  vmid = 100
}
` + fmt.Sprintf(web, "restore_from = data.proximity_backups.web.backups[0].volid")
	const copyRes, webRes = "proximity_application.copy", "proximity_application.web"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if left := readAllocations(t, file); len(left) != 0 {
				return fmt.Errorf("%d allocations left", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      block + `resource "proximity_application" "x" {` + "\n" + `catalog_id = "nginx"` + "\n" + `hostname = "x"` + "\n" + `restore_from = "local:backup/vzdump-lxc-999-2026_01_01-00_00_00.tar.zst"` + "\n}",
				ExpectError: errorLike(`Backup not found`),
			},
			{
				Config: block + fmt.Sprintf(web, ""),
				Check: func(*terraform.State) error {
					_, err := inContainer(sim, "pve1", 100, "echo v1 > /srv/marker")
					return err
				},
			},
			{
				Config: block + fmt.Sprintf(web, "") + backup,
			},
			{
				Config: block + fmt.Sprintf(web, "") + backup + copyOf,
				ConfigStateChecks: []statecheck.StateCheck{
					// The backed-up app still holds the backup's pair: the copy gets the next one.
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8101)),
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
					statecheck.ExpectKnownValue(copyRes, tfjsonpath.New("deployment_log").AtSliceIndex(5).AtMapKey("step"), knownvalue.StringExact("restore container")),
				},
				Check:            markerIs(sim, 101, "v1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					if _, err := inContainer(sim, "pve1", 100, "echo v2 > /srv/marker"); err != nil {
						t.Fatal(err)
					}
				},
				Config: block + restoreOver + backup + copyOf,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(webRes, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("deployment_log").AtSliceIndex(0).AtMapKey("step"), knownvalue.StringExact("stop")),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("deployment_log").AtSliceIndex(1).AtMapKey("step"), knownvalue.StringExact("restore container")),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: markerIs(sim, 100, "v1"),
			},
		},
	})
}
