package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// templateCase is one cell of the support matrix: a PVE release and a
// template of the official index. TestAccApplicationTemplateLifecycle
// takes an app through its life on every cell.
type templateCase struct {
	release string
	pkg     string // the index's package: alpine-3.22-default, debian-12-standard
}

// supportMatrix lists what the README promises to support, by the package
// names of the appliance index; the file names are read from the index the
// release serves (GET /nodes/{node}/aplinfo), so a rebuild that replaces a
// file (Debian 12.7-1 in the PVE 8 index, 12.12-1 in the PVE 9 one) needs no
// edit here. Templates that a release's index does not list (Debian 13 on
// PVE 8.4) are fetched by URL from the official server under the name the
// other release's index gives, as an admin would with download-url.
var supportMatrix = []templateCase{
	{release: "8.4", pkg: "alpine-3.22-default"},
	{release: "8.4", pkg: "debian-12-standard"},
	{release: "8.4", pkg: "debian-13-standard"},
	{release: "8.4", pkg: "ubuntu-24.04-standard"},
	{release: "9.1", pkg: "alpine-3.22-default"},
	{release: "9.1", pkg: "debian-12-standard"},
	{release: "9.1", pkg: "debian-13-standard"},
	{release: "9.1", pkg: "ubuntu-24.04-standard"},
}

// indexTemplate is the file name the appliance index of an environment's
// release gives a package.
func indexTemplate(e *testEnv, pkg string) (string, bool) {
	e.t.Helper()
	index, err := e.client.ApplianceIndex(context.Background(), "pve1")
	e.must(err)
	for _, a := range index {
		if a.Package == pkg && a.Section == "system" {
			return a.Template, true
		}
	}
	return "", false
}

// matrixTemplate is the cell's template: from the index of its release,
// else from the other release's, read on a fresh simulator of that one.
func matrixTemplate(e *testEnv, tc templateCase) string {
	e.t.Helper()
	if name, ok := indexTemplate(e, tc.pkg); ok {
		return name
	}
	other := map[string]string{"8.4": "9.1", "9.1": "8.4"}[tc.release]
	name, ok := indexTemplate(newEnv(e.t, pvesim.Options{PVEVersion: other}), tc.pkg)
	if !ok {
		e.t.Fatalf("neither the %s nor the %s index lists %s", tc.release, other, tc.pkg)
	}
	return name
}

// resolvedDollar is pa$word as compose's `config` prints it.
const resolvedDollar = "pa$$word"

// composeConfigValue prints one environment value of the wordpress service
// as the container's own compose resolves it (`config`, which interpolates
// as `up` does), with whichever compose the template got: Compose v1 on
// Debian 12, v2 elsewhere. `config` prints the resolved value with each $
// escaped again as $$ (Debian's real docker-compose 1.29.2 does the same),
// so pa$word reads pa$$word; a $ left unescaped in the file would have been
// substituted here (pa$word -> pa), as it would be for the app.
func composeConfigValue(key string) string {
	// No shell variables: the check's command passes through the node's shell first.
	return fmt.Sprintf(`cd /opt/proximity/wordpress && { docker compose version >/dev/null 2>&1 && `+
		`docker compose -f compose.yaml -p wordpress config || docker-compose -f compose.yaml -p wordpress config; } | `+
		`grep '%s:' | sed 's/^ *%s: *//; s/^"//; s/"$//'`, key, key)
}

// TestAccApplicationTemplateLifecycle takes a multi-service app through its
// life on every supported template under both PVE releases, with the
// README's PVEAdmin token: create, an environment update whose value holds a
// $, a backup, and a restore into a new app, each followed by an empty plan.
// The restored app keeps the backup's value, which its database was
// initialised with.
func TestAccApplicationTemplateLifecycle(t *testing.T) {
	requireAcc(t)
	for _, tc := range supportMatrix {
		t.Run(tc.release+"/"+tc.pkg, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, pvesim.Options{PVEVersion: tc.release})
			volid := e.placeTemplate("pve1", "local", matrixTemplate(e, tc))
			block := rawHCL(e.appProvider())
			app := application("wp", "wordpress", "blog").str("node", "pve1").str("template", volid).
				set("environment", `{ DB_PASSWORD = "first" }`)
			updated := app.set("environment", `{ DB_PASSWORD = "pa$word" }`)
			saved := backup("wp").set("application_id", "proximity_application.wp.id")
			copyOf := application("copy", "wordpress", "blog-copy").set("restore_from", "proximity_backup.wp.volid")
			empty := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
			running := func(b hclBlock) statecheck.StateCheck {
				return statecheck.ExpectKnownValue(b.address(), tfjsonpath.New("status"), knownvalue.StringExact("running"))
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				CheckDestroy:             e.nothingLeft(),
				Steps: []resource.TestStep{
					{
						Config:           config(block, app),
						ConfigPlanChecks: empty,
						ConfigStateChecks: []statecheck.StateCheck{
							running(app),
							statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("template"), knownvalue.StringExact(volid)),
							expectInContainer(e, 100, composeConfigValue("WORDPRESS_DB_PASSWORD"), knownvalue.StringExact("first")),
						},
					},
					{
						Config: config(block, updated),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(app.address(), plancheck.ResourceActionUpdate)},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							running(updated),
							expectInContainer(e, 100, composeConfigValue("WORDPRESS_DB_PASSWORD"), knownvalue.StringExact(resolvedDollar)),
							expectInContainer(e, 100, composeConfigValue("MARIADB_PASSWORD"), knownvalue.StringExact(resolvedDollar)),
						},
					},
					{Config: config(block, updated, saved), ConfigPlanChecks: empty},
					{
						Config:           config(block, updated, saved, copyOf),
						ConfigPlanChecks: empty,
						ConfigStateChecks: []statecheck.StateCheck{
							running(copyOf),
							statecheck.ExpectKnownValue(copyOf.address(), tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
							expectInContainer(e, 101, composeConfigValue("MARIADB_PASSWORD"), knownvalue.StringExact(resolvedDollar)),
						},
					},
					{ // a later environment change keeps the value kept from the backup
						Config:           config(block, updated, saved, copyOf.set("environment", `{ DB_ROOT_PASSWORD = "changed" }`)),
						ConfigPlanChecks: empty,
						ConfigStateChecks: []statecheck.StateCheck{
							expectInContainer(e, 101, composeConfigValue("MARIADB_PASSWORD"), knownvalue.StringExact(resolvedDollar)),
							expectInContainer(e, 101, composeConfigValue("MARIADB_ROOT_PASSWORD"), knownvalue.StringExact("changed")),
						},
					},
				},
			})
		})
	}
}
