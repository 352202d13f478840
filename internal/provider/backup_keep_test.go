package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccBackupKeepOnDestroy: a backup with keep_on_destroy = true leaves
// its archive when it is replaced (replace_triggered_by on a replaced app)
// and when it is destroyed, and the provider logs that it kept it; a backup
// without it deletes its archive, as before.
func TestAccBackupKeepOnDestroy(t *testing.T) {
	e := newEnv(t, pvesim.Options{TimeScale: 0.1})
	logPath := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "INFO")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	kept := backup("kept").set("application_id", "proximity_application.web.id").set("keep_on_destroy", "true")
	plain := backup("plain").set("application_id", "proximity_application.web.id").set("depends_on", "[proximity_backup.kept]")
	replacedWithWeb := rawHCL(strings.TrimSuffix(kept.String(), "}\n") +
		"  lifecycle {\n    replace_triggered_by = [proximity_application.web]\n  }\n}\n")
	var keptVolIDs []string
	recordKept := func(s *terraform.State) error {
		keptVolIDs = append(keptVolIDs, s.RootModule().Resources[kept.address()].Primary.Attributes["volid"])
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		// Both archives of the kept backup outlive everything.
		CheckDestroy: destroyed(expectArchives(e, "pve1", "local", 100, 2)),
		Steps: []resource.TestStep{
			{
				Config:            config(block, web, kept, plain),
				Check:             recordKept,
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "local", 100, 2)},
			},
			{
				// The configuration replaces the kept backup with the app: the
				// old archive stays, a new one of the new container is made.
				Config: config(block, web.str("catalog_id", "caddy"), replacedWithWeb, plain),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(kept.address(), plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction(plain.address(), plancheck.ResourceActionUpdate),
					},
				},
				Check:             recordKept,
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "local", 100, 3)},
			},
			{
				// Destroyed: the plain archive is deleted, the kept one stays.
				Config:            config(block, web.str("catalog_id", "caddy")),
				ConfigStateChecks: []statecheck.StateCheck{expectArchives(e, "pve1", "local", 100, 2)},
			},
		},
	})
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(keptVolIDs) != 2 || keptVolIDs[0] == keptVolIDs[1] {
		t.Fatalf("the kept backup's archives: %v; want two different ones", keptVolIDs)
	}
	for _, volid := range keptVolIDs {
		if !strings.Contains(string(raw), "Kept the backup archive: keep_on_destroy is true") || !strings.Contains(string(raw), "volid="+volid) {
			t.Errorf("the provider log does not say it kept %s", volid)
		}
	}
}
