package provider

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccCatalogApp(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.provider())
	nc := dataBlock("proximity_catalog_app", "nc")
	app := nc.address()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(block, nc.str("id", "nextclod")),
				ExpectError: errorLike(`Unknown catalog app .* The catalog has no app "nextclod". Closest ids: nextcloud`),
			},
			{
				Config: config(block, nc.str("id", "nextcloud"),
					rawHCL(`output "compose_has_image" { value = strcontains(data.proximity_catalog_app.nc.docker_compose, "image: nextcloud:31.0.2-apache") }`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app, tfjsonpath.New("name"), knownvalue.StringExact("Nextcloud")),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("category"), knownvalue.StringExact("Productivity")),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("version"), knownvalue.StringExact("31.0.2-apache")),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("main_port"), knownvalue.Int64Exact(80)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("min_memory"), knownvalue.Int64Exact(2048)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("min_cpu"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("min_disk"), knownvalue.Int64Exact(20)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("services"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("nextcloud"), knownvalue.StringExact("db"), knownvalue.StringExact("redis"),
					})),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("environment").AtMapKey("DB_PASSWORD"), knownvalue.StringExact("change-me-db")),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("source"), knownvalue.StringExact("embedded:apps/nextcloud.json")),
					statecheck.ExpectKnownOutputValue("compose_has_image", knownvalue.Bool(true)),
				},
			},
		},
	})
}

func TestAccCatalogSearch(t *testing.T) {
	e := newSimEnv(t, "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.provider()),
				dataBlock("proximity_catalog", "all"),
				dataBlock("proximity_catalog", "db").str("category", "database"),
				dataBlock("proximity_catalog", "sso").str("tag", "sso"),
				dataBlock("proximity_catalog", "pw").str("query", "Bitwarden"),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.proximity_catalog.all", tfjsonpath.New("categories"), knownvalue.ListSizeExact(16)),
				statecheck.ExpectKnownValue("data.proximity_catalog.all", tfjsonpath.New("categories").AtSliceIndex(0),
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("Media"), "count": knownvalue.Int64Exact(5),
					})),
				statecheck.ExpectKnownValue("data.proximity_catalog.db", tfjsonpath.New("apps"), knownvalue.ListSizeExact(7)),
				statecheck.ExpectKnownValue("data.proximity_catalog.db", tfjsonpath.New("categories"),
					knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"name": knownvalue.StringExact("Database"), "count": knownvalue.Int64Exact(7)}),
					})),
				statecheck.ExpectKnownValue("data.proximity_catalog.sso", tfjsonpath.New("apps"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.proximity_catalog.pw", tfjsonpath.New("apps").AtSliceIndex(0).AtMapKey("id"),
					knownvalue.StringExact("vaultwarden")),
			},
		}},
	})
}

func TestAccUserCatalog(t *testing.T) {
	e := newSimEnv(t, "")
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine")
	mustWrite(t, filepath.Join(mine, "nginx.json"), `{"id": "nginx", "name": "Our NGINX", "category": "Web Server", "version": "1.27.4",
  "docker_compose": {"services": {"nginx": {"image": "nginx:1.27.4", "ports": ["80:80"]}}}, "ports": [80]}`)
	mustWrite(t, filepath.Join(mine, "whoami.json"), `{"id": "whoami", "name": "Whoami", "category": "Utilities", "version": "latest",
  "docker_compose": {"services": {"whoami": {"image": "traefik/whoami", "network_mode": "host"}}}, "ports": [80]}`)
	broken := filepath.Join(dir, "broken")
	mustWrite(t, filepath.Join(broken, "game.json"), `{"id": "game", "name": "Game", "category": "Games",
  "docker_compose": {"services": {"game": {"image": "minetest/minetest:5.9"}}}, "ports": [30000]}`)

	withPaths := func(paths ...string) string {
		return config(rawHCL(e.provider(withCatalogPaths(paths...))),
			dataBlock("proximity_catalog_app", "nginx").str("id", "nginx"),
			dataBlock("proximity_catalog_app", "whoami").str("id", "whoami"),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: withPaths(mine, broken),
				ExpectError: errorLike(`Unable to load the app catalog .* catalog file ` + filepath.Join(broken, "game.json") +
					`: field "category": unknown category "Games"`),
			},
			{
				Config: withPaths(mine),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_catalog_app.nginx", tfjsonpath.New("name"), knownvalue.StringExact("Our NGINX")),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.nginx", tfjsonpath.New("source"),
						knownvalue.StringExact(filepath.Join(mine, "nginx.json"))),
					// A Proximity 1.0 file without minimums gets the 1.0 defaults.
					statecheck.ExpectKnownValue("data.proximity_catalog_app.whoami", tfjsonpath.New("min_memory"), knownvalue.Int64Exact(1024)),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.whoami", tfjsonpath.New("min_cpu"), knownvalue.Int64Exact(1)),
				},
			},
		},
	})
}

// TestAccV1CatalogFolder: catalog_paths names Proximity 1.0 catalog folders
// (its APP_CATALOG_PATH) as they are, one holding apps/index.json with the app
// files beside it, one the legacy catalog.json; a file the index names but
// that is missing stops the plan, naming the index. Before, both folders were
// read as folders of app files: the first loaded nothing, the second failed.
func TestAccV1CatalogFolder(t *testing.T) {
	e := newSimEnv(t, "")
	testdata := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "catalog", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	indexed, legacy, missing := testdata("v1-indexed"), testdata("v1-legacy"), testdata("v1-missing-app")
	withPaths := func(paths ...string) string {
		return config(rawHCL(e.provider(withCatalogPaths(paths...))),
			dataBlock("proximity_catalog_app", "whoami").str("id", "whoami"),
			dataBlock("proximity_catalog_app", "uptime").str("id", "uptime"),
			dataBlock("proximity_catalog", "games").str("category", "Games"),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: withPaths(missing, legacy),
				ExpectError: errorLike(`Unable to load the app catalog .* catalog file ` + filepath.Join(missing, "apps", "index.json") +
					`: field "apps": names gone.json, which is not in ` + filepath.Join(missing, "apps")),
			},
			{
				Config: withPaths(indexed, legacy),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_catalog_app.whoami", tfjsonpath.New("source"),
						knownvalue.StringExact(filepath.Join(indexed, "apps", "whoami.json"))),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.whoami", tfjsonpath.New("min_cpu"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.uptime", tfjsonpath.New("source"),
						knownvalue.StringExact(filepath.Join(legacy, "catalog.json")+" (items[0])")),
					statecheck.ExpectKnownValue("data.proximity_catalog_app.uptime", tfjsonpath.New("name"), knownvalue.StringExact("Uptime Kuma (ours)")),
					// The index's own category holds the app it lists.
					statecheck.ExpectKnownValue("data.proximity_catalog.games", tfjsonpath.New("apps").AtSliceIndex(0).AtMapKey("id"),
						knownvalue.StringExact("minetest")),
				},
			},
		},
	})
}
