package provider

import (
	"strings"
	"sync"

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
