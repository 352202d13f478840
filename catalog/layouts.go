package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// loadPath reads one user catalog, p, in any of the Proximity 1.0 layouts:
//   - a file: the legacy single file {"items": [...]};
//   - a folder with index.json: the apps folder itself, loading the files
//     the index names;
//   - a folder with apps/index.json or catalog.json: what 1.0 calls its
//     catalog path (APP_CATALOG_PATH). As 1.0's AppService._load_catalog
//     does, apps/index.json wins when both exist (catalog.json is then the
//     backup 1.0 leaves beside it), with a warning;
//   - any other folder: its *.json files, one app each.
//
// It returns the apps and any warnings.
func loadPath(p string) ([]*App, []string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog path %s: %w", p, err)
	}
	if !st.IsDir() {
		apps, err := loadItemsFile(p)
		return apps, nil, err
	}
	legacy := filepath.Join(p, "catalog.json")
	switch {
	case isFile(filepath.Join(p, "index.json")):
		apps, err := loadIndexed(p)
		return apps, nil, err
	case isFile(filepath.Join(p, "apps", "index.json")):
		var warnings []string
		if isFile(legacy) {
			warnings = append(warnings, fmt.Sprintf("catalog path %s holds both apps/index.json and catalog.json; "+
				"apps/index.json is loaded and catalog.json ignored, as Proximity 1.0 does. Remove one of them, or name catalog.json "+
				"itself in catalog_paths to load it.", p))
		}
		apps, err := loadIndexed(filepath.Join(p, "apps"))
		return apps, warnings, err
	case isFile(legacy):
		apps, err := loadItemsFile(legacy)
		return apps, nil, err
	}
	apps, err := loadFolder(p)
	return apps, nil, err
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// index is the index.json of a Proximity 1.0 apps folder.
type index struct {
	Version    string          `json:"version"`
	Apps       []string        `json:"apps"`
	Categories json.RawMessage `json:"categories"`
}

// loadIndexed reads a folder whose index.json names the app files beside it.
// Proximity 1.0 skips a named file that is missing; here it is an error, as
// the app would otherwise vanish from the catalog without a word.
func loadIndexed(dir string) ([]*App, error) {
	indexPath := filepath.Join(dir, "index.json")
	data, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, &FileError{File: indexPath, Err: err}
	}
	var idx index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, &FileError{File: indexPath, Err: badJSON(data, 0, err)}
	}
	extra, err := categoryNames(idx.Categories)
	if err != nil {
		return nil, &FileError{File: indexPath, Field: "categories", Err: err}
	}
	files := make([]string, 0, len(idx.Apps))
	for _, name := range idx.Apps {
		if !strings.HasSuffix(name, ".json") {
			name += ".json"
		}
		if strings.Contains(name, "/") || strings.Contains(name, "..") {
			return nil, &FileError{File: indexPath, Field: "apps", Err: fmt.Errorf("%q must be a file name in the same folder", name)}
		}
		f := filepath.Join(dir, name)
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			missing := fmt.Errorf("names %s, which is not in %s; add the file or remove it from the list", name, dir)
			return nil, &FileError{File: indexPath, Field: "apps", Err: missing}
		}
		files = append(files, f)
	}
	return loadFiles(files, extra)
}

// loadFolder reads a folder of app files. A folder with none is an error: it
// is most likely the wrong folder, and loading nothing would only surface
// later as an unknown app.
func loadFolder(dir string) ([]*App, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("catalog path %s holds no catalog: expected a Proximity 1.0 catalog folder (apps/index.json or catalog.json), "+
			"an apps folder (index.json), app files (<id>.json), or the path of a catalog.json file", dir)
	}
	sort.Strings(matches)
	return loadFiles(matches, nil)
}
