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
					expectStep(copyRes, 1, 5, "restore container", ""),
					expectContainerFile(e, 101, "/srv/marker", "v1"),
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
					expectOperations(webRes, 2, "create", "restore"),
					expectStep(webRes, 2, 0, "stop", ""),
					expectStep(webRes, 2, 1, "restore container", ""),
					statecheck.ExpectKnownValue(webRes, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					expectContainerFile(e, 100, "/srv/marker", "v1"),
				},
			},
		},
	})
}

// TestAccApplicationRestoreIsItsOwn: an app restored from a backup of
// another one is the configured app, not a copy of the original. PVE keeps
// the archive's network with unique=1 and ignores password and
// ssh-public-keys on a restore (pve-container src/PVE/LXC/Create.pm
// sanitize_and_merge_config; post_create_hook runs only without restore),
// so the provider sets them; the restored database was initialised with
// the backup's environment, which is kept where the configuration sets no
// value.
func TestAccApplicationRestoreIsItsOwn(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp2Sg1QbpUfWqvZtNL8hGqjlqY3V9bDsBhkvWQfCRWQ restored@example"
	original := application("git", "gitea", "git").str("node", "pve1").str("password", "first secret").
		set("ip_config", `{ address = "192.168.50.10/24", gateway = "192.168.50.1" }`).
		set("environment", `{ DB_PASSWORD = "old$db", DB_ROOT_PASSWORD = "old-root" }`)
	gitBackup := backup("git").set("application_id", "proximity_application.git.id")
	restored := application("copy", "gitea", "git-copy").set("restore_from", "proximity_backup.git.volid").
		str("password", "second secret").str("ssh_public_keys", key).
		set("ip_config", `{ address = "192.168.50.11/24", gateway = "192.168.50.1" }`).
		set("environment", `{ DB_ROOT_PASSWORD = "new-root" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config(block, original, gitBackup)},
			{
				Config: config(block, original, gitBackup, restored),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(restored.address(), tfjsonpath.New("ip_address"), knownvalue.StringExact("192.168.50.11")),
					statecheck.ExpectKnownValue(original.address(), tfjsonpath.New("ip_address"), knownvalue.StringExact("192.168.50.10")),
					expectContainerConfig(e, "pve1", 101, map[string]knownvalue.Check{"net0": containing("ip=192.168.50.11/24")}),
					expectRootPassword(e, "pve1", 101, "second secret"),
					expectContainerFile(e, 101, "/root/.ssh/authorized_keys", key),
					expectInContainer(e, 101, "stat -c %a /root/.ssh/authorized_keys", knownvalue.StringExact("600")),
					// The database keeps the password it was initialised with (DB_PASSWORD of
					// the backup, its $ escaped as $$ for Compose; the shell of this check
					// would expand a $ itself); DB_ROOT_PASSWORD is configured.
					expectInContainer(e, 101, "grep -c 'POSTGRES_PASSWORD: old[[:punct:]][[:punct:]]db$' /opt/proximity/gitea/compose.yaml",
						knownvalue.StringExact("1")),
					expectInContainer(e, 101, "grep -c change-me /opt/proximity/gitea/compose.yaml || true", knownvalue.StringExact("0")),
					// No service reads DB_ROOT_PASSWORD: the main one alone gets it.
					expectInContainer(e, 101, "grep -c 'DB_ROOT_PASSWORD: new-root' /opt/proximity/gitea/compose.yaml", knownvalue.StringExact("1")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
