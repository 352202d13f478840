package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
		apps, warnings, err := loadPath(p)
		if err != nil {
			return nil, err
		}
		c.Warnings = append(c.Warnings, warnings...)
		for _, a := range apps {
			c.add(a)
		}
	}
	return c, nil
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
		return nil, &FileError{File: f, Err: badJSON(data, 0, err)}
	}
	if doc.Items == nil {
		return nil, &FileError{File: f, Field: "items", Err: fmt.Errorf("missing; a single-file catalog is {\"items\": [...]}")}
	}
	offsets := itemOffsets(data)
	seen := map[string]int{}
	var out []*App
	for i, raw := range doc.Items {
		var base int64
		if i < len(offsets) {
			base = offsets[i]
		}
		a, err := decodeAppIn(raw, fmt.Sprintf("%s (items[%d])", f, i), data, base)
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
