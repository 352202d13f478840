package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestSplitOfflinePinsResolveSettings: an empty provider block without
// environment yields exactly the two errors splitOffline defers (endpoint and
// credentials, recognised by their summaries) and no other error, so a
// renamed summary cannot silently make Configure fail again.
func TestSplitOfflinePinsResolveSettings(t *testing.T) {
	_, diags := resolveSettings(providerModel{}, func(string) (string, bool) { return "", false })
	offline, rest := splitOffline(diags)
	if rest.HasError() {
		t.Fatalf("errors left for Configure: %v", rest.Errors())
	}
	var summaries []string
	for _, d := range offline {
		summaries = append(summaries, d.Summary())
		if !strings.Contains(d.Detail(), "only the proximity_catalog and proximity_catalog_app data sources work") {
			t.Errorf("%s: detail %q does not say what works without a connection", d.Summary(), d.Detail())
		}
	}
	if got := strings.Join(summaries, "; "); got != "Missing Proxmox endpoint; Missing Proxmox credentials" {
		t.Fatalf("deferred errors %q", got)
	}

	// A value that is set but wrong still fails Configure.
	_, diags = resolveSettings(providerModel{}, func(k string) (string, bool) {
		return map[string]string{"PROXIMITY_ENDPOINT": "pve.example.com", "PROXIMITY_API_TOKEN": "a@pam!t=1"}[k], true
	})
	if _, rest := splitOffline(diags); !rest.HasError() {
		t.Fatalf("an invalid PROXIMITY_ENDPOINT was deferred: %v", diags)
	}
}

// offlineEnv clears every variable the provider reads its endpoint and
// credentials from, so the provider block alone decides.
func offlineEnv(t *testing.T) {
	for _, v := range []string{
		"PROXIMITY_ENDPOINT", "PROXMOX_VE_ENDPOINT", "PROXIMITY_API_TOKEN", "PROXMOX_VE_API_TOKEN",
		"PROXIMITY_USERNAME", "PROXMOX_VE_USERNAME", "PROXIMITY_PASSWORD", "PROXMOX_VE_PASSWORD",
	} {
		t.Setenv(v, "")
	}
}

// TestAccCatalogWithoutConnection: with an empty provider block and no
// environment, the catalog data sources read the embedded catalog (as in
// terraform console -plan); a resource or another data source in the same
// configuration fails at plan, naming the endpoint. Before, Configure failed
// for all of them.
func TestAccCatalogWithoutConnection(t *testing.T) {
	offlineEnv(t)
	empty := rawHCL(`provider "proximity" {}`)
	browse := []fmt.Stringer{
		empty,
		dataBlock("proximity_catalog_app", "nc").str("id", "nextcloud"),
		dataBlock("proximity_catalog", "db").str("category", "Database"),
		rawHCL(`output "nc_port" { value = data.proximity_catalog_app.nc.main_port }`),
		rawHCL(`output "db_count" { value = length(data.proximity_catalog.db.apps) }`),
	}
	needsConnection := `Missing Proxmox endpoint .* Set endpoint in the provider block .* ` +
		`Without a Proxmox connection only the proximity_catalog and proximity_catalog_app data sources work`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(browse...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("nc_port", knownvalue.Int64Exact(80)),
					statecheck.ExpectKnownOutputValue("db_count", knownvalue.Int64Exact(7)),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.nc", tfjsonpath.New("name"), knownvalue.StringExact("Nextcloud")),
				},
			},
			{
				Config:      config(append(browse, portAllocation("p"))...),
				PlanOnly:    true,
				ExpectError: errorLike(needsConnection),
			},
			{
				Config:      config(append(browse, dataBlock("proximity_nodes", "all"))...),
				PlanOnly:    true,
				ExpectError: errorLike(needsConnection),
			},
		},
	})
}
