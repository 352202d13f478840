package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

var archivePattern = regexp.MustCompile(`^local:backup/vzdump-lxc-100-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.zst$`)

// TestAccBackupLifecycle backs up a running app in each mode, changes notes
// and protection in place, refuses to destroy a protected archive, notices
// one deleted out of band, imports one, and destroys the rest.
func TestAccBackupLifecycle(t *testing.T) {
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	withApp := func(backups ...fmt.Stringer) string { return config(append([]fmt.Stringer{block, web}, backups...)...) }
	nightlyBackup := backup("nightly").set("application_id", "proximity_application.web.id")
	suspended := backup("suspended").str("node", "pve1").set("vmid", "proximity_application.web.vmid").str("mode", "suspend").str("compress", "gzip")
	stopped := backup("stopped").set("application_id", "proximity_application.web.id").str("mode", "stop").
		set("depends_on", "[proximity_backup.suspended]")
	nightly := nightlyBackup.address()
	wrongStorage := backup("x").str("node", "pve1").num("vmid", 100).str("storage", "local-lvm")
	notesTemplate := nightlyBackup.str("notes", "before the upgrade of {{guestname}}")
	twoLines := nightlyBackup.str("notes", "before the upgrade\nkeep it")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectArchives(e, "pve1", "local", 100, 0)),
		Steps: []resource.TestStep{
			{
				Config:      withApp(backup("x").str("mode", "snapshot")),
				ExpectError: errorLike(`At least one of these attributes must be configured: \[application_id,vmid\]`),
			},
			{
				Config:      config(block, backup("x").str("application_id", "pve1/4242")),
				ExpectError: errorLike(`node pve1 has no container 4242 to back up`),
			},
			{
				Config:      withApp(backup("x").str("application_id", "web")),
				ExpectError: errorLike(`must be a proximity_application id, node/vmid`),
			},
			{
				// Notes are kept word for word, not expanded as a vzdump notes-template.
				Config: withApp(notesTemplate, suspended, stopped),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("volid"), knownvalue.StringRegexp(archivePattern)),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("format"), knownvalue.StringExact("tar.zst")),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("storage"), knownvalue.StringExact("local")),
					statecheck.ExpectKnownValue(nightly, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(suspended.address(), tfjsonpath.New("format"), knownvalue.StringExact("tar.gz")),
					statecheck.ExpectKnownValue(stopped.address(), tfjsonpath.New("mode"), knownvalue.StringExact("stop")),
					// The stop-mode backup started the app again.
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
					expectArchives(e, "pve1", "local", 100, 3),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:      withApp(notesTemplate, suspended, stopped, wrongStorage),
				ExpectError: errorLike(`storage "local-lvm" on pve1 does not hold backups; storages that do: \[local\]`),
			},
			{
				Config: withApp(twoLines.set("protected", "true"), suspended, stopped),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(nightly, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectArchiveAttributes(e, "pve1", "local", nightly, "before the upgrade\nkeep it", true),
				},
			},
			{
				Config:      withApp(suspended, stopped),
				ExpectError: errorLike(`is protected; set protected = false and apply, then remove it`),
			},
			{
				Config: withApp(twoLines.set("protected", "false"), suspended, stopped),
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
					vols := archives(t, e.client)
					e.must(e.client.DeleteVolume(context.Background(), "pve1", "local", vols[0].VolID))
				},
				Config:             withApp(twoLines, suspended, stopped),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: withApp(twoLines, suspended, stopped),
				// The deleted one was made again.
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "local", 100, 3)},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccBackupWaitsForAnotherBackup: a backup started while another one
// holds the container's lock waits for it and succeeds.
func TestAccBackupWaitsForAnotherBackup(t *testing.T) {
	e := newEnv(t, pvesim.Options{TimeScale: 0.1, Faults: "taskslow:vzdump=20s"})
	client := e.client
	ctx := context.Background()
	e.must(client.CreateContainer(ctx, "pve1", 100, plainContainer(pveclient.ContainerSettings{}), nil))
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
			Config: config(rawHCL(e.provider()), backup("b").str("node", "pve1").num("vmid", 100)),
			Check: func(*terraform.State) error {
				if err := <-other; err != nil {
					return fmt.Errorf("the other backup: %v", err)
				}
				return nil
			},
			ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "local", 100, 2)},
		}},
	})
}
