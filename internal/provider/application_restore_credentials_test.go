package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccApplicationRestoreInPlaceKeepsTheConfiguredCredentials: PVE
// ignores password and ssh-public-keys on a restore (pve-container
// src/PVE/API2/LXC.pm create_vm: post_create_hook runs only without
// restore), so a backup restored over the app brings back the /etc/shadow
// and authorized_keys it was made with. The app keeps what its
// configuration declares: the password set after the backup, and its keys
// rather than those the container had when it was backed up.
func TestAccApplicationRestoreInPlaceKeepsTheConfiguredCredentials(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp2Sg1QbpUfWqvZtNL8hGqjlqY3V9bDsBhkvWQfCRWQ configured@example"
	web := application("web", "nginx", "web").str("node", "pve1").str("password", "first secret").str("ssh_public_keys", key)
	webBackup := backup("web").set("application_id", "proximity_application.web.id")
	changed := web.str("password", "second secret")
	backupsOfWeb := dataBlock("proximity_backups", "web").num("vmid", 100)
	restored := changed.set("restore_from", "data.proximity_backups.web.backups[0].volid")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(block, web),
				Check: func(*terraform.State) error {
					_, err := e.inContainer("pve1", 100, "echo 'ssh-ed25519 AAAA intruder' > /root/.ssh/authorized_keys")
					return err
				},
			},
			{Config: config(block, web, webBackup)},
			{
				Config:            config(block, changed, webBackup),
				ConfigStateChecks: []statecheck.StateCheck{expectRootPassword(e, "pve1", 100, "second secret")},
			},
			{
				Config: config(block, backupsOfWeb, restored, webBackup),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectRootPassword(e, "pve1", 100, "second secret"),
					expectContainerFile(e, 100, "/root/.ssh/authorized_keys", key),
				},
			},
		},
	})
}
