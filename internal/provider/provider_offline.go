package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// The catalog is embedded, so its data sources need no Proxmox connection:
// a provider block without endpoint or credentials still configures, and
// users can browse the catalog in terraform console -plan. What is missing is
// reported only when something that needs the connection is used: then
// every resource and other data source fails at plan, naming it.

// offlineSummaries are the summaries of resolveClient's errors for an
// endpoint or credentials that are not set at all (a value that is set but
// wrong still fails Configure).
var offlineSummaries = map[string]bool{"Missing Proxmox endpoint": true, "Missing Proxmox credentials": true}

// splitOffline separates the errors that only say the connection is not
// configured from the rest of resolveSettings' diagnostics, and rewords
// them for the objects that need the connection: the attribute paths are
// the provider's, so they go in the text.
func splitOffline(diags diag.Diagnostics) (offline, rest diag.Diagnostics) {
	for _, d := range diags {
		if d.Severity() != diag.SeverityError || !offlineSummaries[d.Summary()] {
			rest = append(rest, d)
			continue
		}
		offline.AddError(d.Summary(), d.Detail()+" Without a Proxmox connection only the proximity_catalog and "+
			"proximity_catalog_app data sources work; this configuration uses a resource or data source that needs one.")
	}
	return offline, rest
}

// configureOffline hands the catalog data sources what they need, and every
// other object the errors that say what the connection lacks.
func configureOffline(set settings, apps *catalog.Catalog, offline diag.Diagnostics, resp *provider.ConfigureResponse) {
	data := &providerData{catalog: apps, settings: set, apps: &deploy.Service{Catalog: apps}, offline: offline}
	resp.DataSourceData = data
	resp.ResourceData = data
}

// configureCatalogData is configureData for the catalog data sources, which
// also work without a Proxmox connection.
func configureCatalogData(given any, diags *diag.Diagnostics) *providerData {
	if data, ok := given.(*providerData); ok {
		return data
	}
	return configureData(given, diags)
}
