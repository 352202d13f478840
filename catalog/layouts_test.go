package catalog

import (
	"path/filepath"
	"strings"
	"testing"
)

// The testdata folders are Proximity 1.0 catalog paths (APP_CATALOG_PATH),
// laid out as 1.0's AppService._load_catalog reads them.

// TestV1CatalogFolderWithAppsIndex: the folder holding apps/index.json loads
// the app files the index names, with the index's extra categories and the
// 1.0 defaults. Before, the folder was read as a folder of app files and,
// holding none, loaded nothing.
func TestV1CatalogFolderWithAppsIndex(t *testing.T) {
	dir := filepath.Join("testdata", "v1-indexed")
	c, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := c.Get("whoami")
	if !ok {
		t.Fatalf("whoami not loaded from %s/apps", dir)
	}
	if w.Source != filepath.Join(dir, "apps", "whoami.json") || w.MinCPU != 1 || w.MinMemory != 256 || w.MinDisk != DefaultMinDisk {
		t.Errorf("whoami: source %s, cpu %d, memory %d, disk %d", w.Source, w.MinCPU, w.MinMemory, w.MinDisk)
	}
	if g, ok := c.Get("minetest"); !ok || g.Category != "Games" {
		t.Errorf("minetest, of the index's own category Games: %+v", g)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %v", c.Warnings)
	}
}

// TestV1CatalogFolderWithLegacyFile: the folder holding the legacy
// catalog.json loads its items.
func TestV1CatalogFolderWithLegacyFile(t *testing.T) {
	dir := filepath.Join("testdata", "v1-legacy")
	c, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	u, ok := c.Get("uptime")
	if !ok {
		t.Fatalf("uptime not loaded from %s/catalog.json", dir)
	}
	if u.Source != filepath.Join(dir, "catalog.json")+" (items[0])" || u.Name != "Uptime Kuma (ours)" || u.Environment["TZ"] != "UTC" {
		t.Errorf("uptime: %+v", u)
	}
}

// TestV1CatalogFolderWithBoth: as in 1.0, apps/index.json wins over
// catalog.json, and a warning says catalog.json is ignored.
func TestV1CatalogFolderWithBoth(t *testing.T) {
	dir := filepath.Join("testdata", "v1-both")
	c, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("whoami"); !ok {
		t.Error("whoami of apps/index.json not loaded")
	}
	if _, ok := c.Get("uptime"); ok {
		t.Error("uptime of catalog.json loaded; 1.0 ignores catalog.json when apps/index.json exists")
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], dir+" holds both apps/index.json and catalog.json") ||
		!strings.Contains(c.Warnings[0], "catalog.json ignored") {
		t.Errorf("warnings %v", c.Warnings)
	}
}

// TestBrokenV1Catalogs: errors name the file and say what is wrong, with the
// line and column of bad JSON.
func TestBrokenV1Catalogs(t *testing.T) {
	for name, want := range map[string]string{
		"v1-missing-app": "catalog file " + filepath.Join("testdata", "v1-missing-app", "apps", "index.json") +
			`: field "apps": names gone.json, which is not in ` + filepath.Join("testdata", "v1-missing-app", "apps") +
			"; add the file or remove it from the list",
		// The stray comma ends line 5; the '}' on line 6, column 5, is where the decoder stops.
		"v1-bad-json": "catalog file " + filepath.Join("testdata", "v1-bad-json", "catalog.json") +
			": bad JSON at line 6, column 5 (byte 71): invalid character '}' looking for beginning of object key string",
		// The second item's "80" ends at line 8, column 19, so the decoder stops after it.
		"v1-bad-item": "catalog file " + filepath.Join("testdata", "v1-bad-item", "catalog.json") +
			` (items[1]): bad JSON at line 8, column 20 (byte 348): field "ports" holds a JSON string where a number is expected`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load([]string{filepath.Join("testdata", name)})
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
		})
	}
	t.Run("bad app file", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "apps", "index.json"), `{"apps": ["a.json"]}`)
		writeFile(t, filepath.Join(dir, "apps", "a.json"), "{\n  \"id\": \"a\"\n  \"name\": \"A\"\n}")
		_, err := Load([]string{dir})
		want := "catalog file " + filepath.Join(dir, "apps", "a.json") + ": bad JSON at line 3, column 3"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("got  %v\nwant %s...", err, want)
		}
	})
	t.Run("folder without a catalog", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "apps", "whoami.json"), `{}`)
		_, err := Load([]string{dir})
		if err == nil || !strings.Contains(err.Error(), "catalog path "+dir+" holds no catalog: expected a Proximity 1.0 catalog folder") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestItemOffsets pins where each item of a single-file catalog starts,
// whatever comes before "items".
func TestItemOffsets(t *testing.T) {
	data := []byte(`{"total": {"items": [9]}, "items": [ {"id": "a"} ,{"id": "b"}]}`)
	got := itemOffsets(data)
	if len(got) != 2 || string(data[got[0]:got[0]+11]) != `{"id": "a"}` || string(data[got[1]:got[1]+11]) != `{"id": "b"}` {
		t.Fatalf("offsets %v", got)
	}
}
