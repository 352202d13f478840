package provider

import (
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// The catalog loads once per provider process: Configure runs for every
// provider instance and alias, and the files do not change during a run.
var (
	catalogMu    sync.Mutex
	catalogCache = map[string]*catalog.Catalog{}
)

func loadCatalog(paths []string) (*catalog.Catalog, error) {
	key := strings.Join(paths, "\x00")
	catalogMu.Lock()
	defer catalogMu.Unlock()
	if c, ok := catalogCache[key]; ok {
		return c, nil
	}
	c, err := catalog.Load(paths)
	if err != nil {
		return nil, err
	}
	catalogCache[key] = c
	return c, nil
}

// configureCatalog loads the catalog for Configure: a broken user catalog is
// an error on catalog_paths, and its warnings (an app overridden, a 1.0
// folder holding two catalogs) are warnings there.
func configureCatalog(paths []string, diags *diag.Diagnostics) *catalog.Catalog {
	apps, err := loadCatalog(paths)
	if err != nil {
		addConfigError(diags, path.Root("catalog_paths"), "Unable to load the app catalog", err)
		return nil
	}
	for _, w := range apps.Warnings {
		diags.AddAttributeWarning(path.Root("catalog_paths"), "User catalog", w)
	}
	return apps
}
