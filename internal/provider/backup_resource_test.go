package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

var archivePattern = regexp.MustCompile(`^local:backup/vzdump-lxc-100-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.zst$`)

// archives lists the backups of CT 100 on pve1.
func archives(t *testing.T, client *pveclient.Client) []pveclient.Volume {
	t.Helper()
	vols, err := client.Content(context.Background(), "pve1", "local", "backup", 100)
	if err != nil {
		t.Fatal(err)
	}
	return vols
}

// TestAccBackupLifecycle backs up a running app in each mode, changes notes
// and protection in place, refuses to destroy a protected archive, notices
// one deleted out of band, imports one, and destroys the rest.
func TestAccBackupLifecycle(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.1})
	block, _ := appProviderBlock(t, sim)
	client := simClient(t, sim)
	config := func(backups string) string {
		return block + `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
  node       = "pve1"
}
` + backups
	}
	snapshot := func(extra string) string {
		return `
resource "proximity_backup" "nightly" {
  application_id = proximity_application.web.id
  ` + extra + `
}
`
	}
	modes := `
resource "proximity_backup" "suspended" {
  node = "pve1"
  vmid = proximity_application.web.vmid
  mode = "suspend"
  compress = "gzip"
}

resource "proximity_backup" "stopped" {
  application_id = proximity_application.web.id
  mode           = "stop"
  depends_on     = [proximity_backup.suspended]
}
`
	const nightly = "proximity_backup.nightly"
	wrongStorage := `
resource "proximity_backup" "x" {
  node    = "pve1"
  vmid    = 100
  storage = "local-lvm"
}
`
	var deletedOutOfBand string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if left := archives(t, client); len(left) != 0 {
				return fmt.Errorf("%d archives left after destroy", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      config(`resource "proximity_backup" "x" {` + "\n" + `mode = "snapshot"` + "\n}"),
				ExpectError: errorLike(`At least one of these attributes must be configured: \[application_id,vmid\]`),
			},
			{
				Config:      block + `resource "proximity_backup" "x" {` + "\n" + `application_id = "pve1/4242"` + "\n}",
				ExpectError: errorLike(`node pve1 has no container 4242 to back up`),
			},
			{
				Config:      config(`resource "proximity_backup" "x" {` + "\n" + `application_id = "web"` + "\n}"),
				ExpectError: errorLike(`must be a proximity_application id, node/vmid`),
			},
			{
				// Notes are kept word for word, not expanded as a vzdump notes-template.
				Config: config(snapshot(`notes = "before the upgrade of {{guestname}}"`) + modes),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("volid"), knownvalue.StringRegexp(archivePattern)),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("format"), knownvalue.StringExact("tar.zst")),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("storage"), knownvalue.StringExact("local")),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue("proximity_backup.suspended", tfjsonpath.New("format"), knownvalue.StringExact("tar.gz")),
					statecheck.ExpectKnownValue("proximity_backup.stopped", tfjsonpath.New("mode"), knownvalue.StringExact("stop")),
					// The stop-mode backup started the app again.
					statecheck.ExpectKnownValue("proximity_application.web", tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: func(*terraform.State) error {
					if n := len(archives(t, client)); n != 3 {
						return fmt.Errorf("%d archives, want 3", n)
					}
					return nil
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:      config(snapshot(`notes = "before the upgrade of {{guestname}}"`) + modes + wrongStorage),
				ExpectError: errorLike(`storage "local-lvm" on pve1 does not hold backups; storages that do: \[local\]`),
			},
			{
				Config: config(snapshot("notes = \"before the upgrade\\nkeep it\"\nprotected = true") + modes),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(nightly, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					volid := s.RootModule().Resources[nightly].Primary.ID
					info, err := client.GetVolume(context.Background(), "pve1", "local", volid)
					if err != nil || info.Protected != 1 || info.Notes != "before the upgrade\nkeep it" {
						return fmt.Errorf("volume %+v %v", info, err)
					}
					return nil
				},
			},
			{
				Config:      config(modes),
				ExpectError: errorLike(`is protected; set protected = false and apply, then remove it`),
			},
			{
				Config: config(snapshot("notes = \"before the upgrade\\nkeep it\"\nprotected = false") + modes),
			},
			{
				ResourceName: nightly, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return s.RootModule().Resources[nightly].Primary.ID, nil },
				// Not recorded in the archive: what was asked for, and how.
				ImportStateVerifyIgnore: []string{"application_id", "mode", "timeouts"},
			},
			{
				// Deleted out of band: the plan makes a new backup.
				PreConfig: func() {
					vols := archives(t, client)
					deletedOutOfBand = vols[0].VolID
					if err := client.DeleteVolume(context.Background(), "pve1", "local", deletedOutOfBand); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config(snapshot("notes = \"before the upgrade\\nkeep it\"") + modes),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config(snapshot("notes = \"before the upgrade\\nkeep it\"") + modes),
				Check: func(*terraform.State) error {
					if n := len(archives(t, client)); n != 3 {
						return fmt.Errorf("%d archives after the deleted one was made again, want 3", n)
					}
					return nil
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccBackupWaitsForAnotherBackup: a backup started while another one
// holds the container's lock waits for it and succeeds.
func TestAccBackupWaitsForAnotherBackup(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.1, Faults: "taskslow:vzdump=20s"})
	client := simClient(t, sim)
	ctx := context.Background()
	if err := client.CreateGuest(ctx, "pve1", 100, map[string]any{"ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", "rootfs": "local-lvm:2"}, nil); err != nil {
		t.Fatal(err)
	}
	other := make(chan error, 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				go func() {
					_, err := client.Backup(ctx, "pve1", 100, pveclient.BackupOptions{Storage: "local", Mode: "snapshot", Compress: "zstd"})
					other <- err
				}()
				waitForLock(t, client, "backup")
			},
			Config: providerBlock(sim, "") + `
resource "proximity_backup" "b" {
  node = "pve1"
  vmid = 100
}
`,
			Check: func(*terraform.State) error {
				if err := <-other; err != nil {
					return fmt.Errorf("the other backup: %v", err)
				}
				if n := len(archives(t, client)); n != 2 {
					return fmt.Errorf("%d archives, want 2", n)
				}
				return nil
			},
		}},
	})
}

func waitForLock(t *testing.T, client *pveclient.Client, lock string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if st, err := client.GuestStatus(context.Background(), "pve1", 100); err == nil && st.Lock == lock {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("CT 100 never got the %s lock", lock)
}
