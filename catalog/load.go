package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Load returns the embedded catalog with the user catalogs at paths added in
// order; a later entry with the same id overrides an earlier one, with a
// warning naming both files. A broken file is an error naming it and the field.
func Load(paths []string) (*Catalog, error) {
	c, err := Embedded()
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		apps, err := loadPath(p)
		if err != nil {
			return nil, err
		}
		for _, a := range apps {
			c.add(a)
		}
	}
	return c, nil
}

// index is the index.json of a Proximity 1.0 catalog folder.
type index struct {
	Version    string          `json:"version"`
	Apps       []string        `json:"apps"`
	Categories json.RawMessage `json:"categories"`
}

// loadPath reads one user catalog in any of the 1.0 layouts.
func loadPath(p string) ([]*App, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("catalog path %s: %w", p, err)
	}
	if !st.IsDir() {
		return loadItemsFile(p)
	}
	indexPath := filepath.Join(p, "index.json")
	if data, err := os.ReadFile(indexPath); err == nil {
		var idx index
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, &FileError{File: indexPath, Err: fmt.Errorf("bad JSON: %w", err)}
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
			files = append(files, filepath.Join(p, name))
		}
		return loadFiles(files, extra)
	}
	matches, err := filepath.Glob(filepath.Join(p, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	return loadFiles(matches, nil)
}

// categoryNames reads index.json categories, as names or as {"name": ...} objects.
func categoryNames(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var names []string
	if json.Unmarshal(raw, &names) == nil {
		return names, nil
	}
	var objects []struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(raw, &objects); err != nil {
		return nil, fmt.Errorf("must be a list of names: %w", err)
	}
	for _, o := range objects {
		if o.Name != "" {
			names = append(names, o.Name)
		}
		if o.ID != "" {
			names = append(names, o.ID)
		}
	}
	return names, nil
}

func loadFiles(files []string, extraCategories []string) ([]*App, error) {
	seen := map[string]string{}
	var out []*App
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &FileError{File: f, Err: err}
		}
		a, err := decodeApp(data, f)
		if err != nil {
			return nil, err
		}
		if err := a.Validate(strings.TrimSuffix(filepath.Base(f), ".json"), extraCategories); err != nil {
			return nil, err
		}
		if err := a.checkSelfContained(userFail(a)); err != nil {
			return nil, err
		}
		// User catalogs are small; check them as docker compose would.
		if err := a.ValidateCompose(context.Background()); err != nil {
			return nil, err
		}
		if other, dup := seen[a.ID]; dup {
			return nil, &FileError{File: f, Field: "id", Err: fmt.Errorf("%q is already defined by %s in the same catalog", a.ID, other)}
		}
		seen[a.ID] = f
		out = append(out, a)
	}
	return out, nil
}

// loadItemsFile reads the single-file 1.0 layout {"items": [...]}.
func loadItemsFile(f string) ([]*App, error) {
	data, err := os.ReadFile(f)
	if err != nil {
		return nil, &FileError{File: f, Err: err}
	}
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, &FileError{File: f, Err: fmt.Errorf("bad JSON: %w", err)}
	}
	if doc.Items == nil {
		return nil, &FileError{File: f, Field: "items", Err: fmt.Errorf("missing; a single-file catalog is {\"items\": [...]}")}
	}
	seen := map[string]int{}
	var out []*App
	for i, raw := range doc.Items {
		a, err := decodeApp(raw, fmt.Sprintf("%s (items[%d])", f, i))
		if err != nil {
			return nil, err
		}
		if err := a.Validate("", nil); err != nil {
			return nil, err
		}
		if err := a.checkSelfContained(userFail(a)); err != nil {
			return nil, err
		}
		if err := a.ValidateCompose(context.Background()); err != nil {
			return nil, err
		}
		if j, dup := seen[a.ID]; dup {
			return nil, &FileError{File: f, Field: fmt.Sprintf("items[%d].id", i), Err: fmt.Errorf("%q is already defined by items[%d]", a.ID, j)}
		}
		seen[a.ID] = i
		out = append(out, a)
	}
	return out, nil
}

// userFail reports a problem of a user catalog entry, naming its file.
func userFail(a *App) func(field, format string, args ...any) error {
	return func(field, format string, args ...any) error {
		return &FileError{File: a.Source, Field: field, Err: fmt.Errorf(format, args...)}
	}
}
