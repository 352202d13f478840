package catalog

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryEmbeddedEntry validates each catalog file on its own, so a broken
// entry names itself in the test output.
func TestEveryEmbeddedEntry(t *testing.T) {
	entries, err := embedded.ReadDir("apps")
	if err != nil {
		t.Fatal(err)
	}
	categories := map[string]int{}
	for _, e := range entries {
		name := e.Name()
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			data, err := embedded.ReadFile("apps/" + name)
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(data, &fields); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			for _, required := range []string{
				"id", "name", "description", "version", "icon", "category", "docker_compose", "ports",
				"min_memory", "min_cpu", "min_disk", "tags", "website",
			} {
				if _, ok := fields[required]; !ok {
					t.Errorf("field %q is missing", required)
				}
			}
			a, err := decodeApp(data, name)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Validate(strings.TrimSuffix(name, ".json"), nil); err != nil {
				t.Fatal(err)
			}
			if err := a.ValidateCompose(context.Background()); err != nil {
				t.Fatalf("compose: %v", err)
			}
			checkPinnedAndNetworked(t, a)
			if len(a.Tags) == 0 || a.Description == "" || !strings.HasPrefix(a.Website, "https://") {
				t.Errorf("tags %v, description %q, website %q", a.Tags, a.Description, a.Website)
			}
			categories[a.Category]++
		})
	}
	if len(entries) < 60 {
		t.Errorf("%d apps, want at least 60", len(entries))
	}
	if len(categories) < 12 {
		t.Errorf("%d categories, want at least 12", len(categories))
	}
}

// checkPinnedAndNetworked: images carry a version tag (not latest), the
// version field names the main image's tag, nothing uses host networking, and
// the main service publishes the main port.
func checkPinnedAndNetworked(t *testing.T, a *App) {
	t.Helper()
	services, ok := a.DockerCompose["services"].(map[string]any)
	if !ok {
		t.Fatalf("docker_compose has no services map")
	}
	main, ok := services[a.ID].(map[string]any)
	if !ok {
		t.Fatalf("no service named after the app (%q)", a.ID)
	}
	for name, raw := range services {
		svc, ok := raw.(map[string]any)
		if !ok {
			t.Errorf("service %s is not a map", name)
			continue
		}
		image, ok := svc["image"].(string)
		if !ok {
			t.Errorf("service %s has no image string", name)
			continue
		}
		tag := image[strings.LastIndex(image, ":")+1:]
		if !strings.Contains(image[strings.LastIndex(image, "/")+1:], ":") || tag == "latest" || tag == "" {
			t.Errorf("service %s: image %q is not pinned to a version tag", name, image)
		}
		if svc["network_mode"] == "host" {
			t.Errorf("service %s uses host networking; service names would not resolve", name)
		}
	}
	if image, _ := main["image"].(string); !strings.Contains(image, a.Version) {
		t.Errorf("version %q is not the tag of the main image %q", a.Version, image)
	}
	ports, _ := main["ports"].([]any)
	var first string
	if len(ports) > 0 {
		first, _ = ports[0].(string)
	}
	if len(a.Ports) == 0 || len(ports) == 0 || !strings.HasPrefix(first, itoa(a.MainPort())+":") {
		t.Errorf("main service ports %v do not publish the main port %d", ports, a.MainPort())
	}
	if len(services) > 1 {
		deps, _ := main["depends_on"].([]any)
		if len(deps) != len(services)-1 {
			t.Errorf("main service depends on %v, not on all of its %d other services", deps, len(services)-1)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestEmbeddedCatalog(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() < 60 {
		t.Fatalf("%d apps", c.Len())
	}
	nc, ok := c.Get("nextcloud")
	if !ok || nc.MainPort() != 80 || nc.MinMemory != 2048 || nc.Category != "Productivity" {
		t.Fatalf("nextcloud: %+v", nc)
	}
	yml, err := nc.ComposeYAML()
	if err != nil || !strings.Contains(yml, "image: nextcloud:31.0.2-apache") || !strings.Contains(yml, "POSTGRES_HOST: db") {
		t.Errorf("compose YAML: %v\n%s", err, yml)
	}
	project, err := nc.Project(context.Background(), map[string]string{"DB_PASSWORD": "s3cret", "NEXTCLOUD_ADMIN_PASSWORD": "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := project.Services["nextcloud"].Environment["POSTGRES_PASSWORD"]; got == nil || *got != "s3cret" {
		t.Errorf("interpolated password %v", got)
	}
}

func TestSearchAndClosest(t *testing.T) {
	c, _ := Embedded()
	if got := c.Search("database", "", ""); len(got) != 7 {
		t.Errorf("Database apps: %d", len(got))
	}
	if got := c.Search("", "SSO", ""); len(got) < 2 {
		t.Errorf("sso tag: %d", len(got))
	}
	got := c.Search("", "", "password")
	ids := []string{}
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if !strings.Contains(strings.Join(ids, ","), "vaultwarden") {
		t.Errorf("query password: %v", ids)
	}
	if s := c.Closest("nextclod", 3); s[0] != "nextcloud" {
		t.Errorf("closest to nextclod: %v", s)
	}
	if s := c.Closest("word", 3); s[0] != "wordpress" {
		t.Errorf("closest to word: %v", s)
	}
	counts := CategoryCounts(c.Apps())
	if counts[0].Name != "Media" || len(counts) != 16 {
		t.Errorf("counts %v", counts)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A Proximity 1.0 entry: host networking, no min_memory or min_cpu, version latest.
const v1App = `{"id": "whoami", "name": "Whoami", "description": "echo", "version": "latest", "category": "Utilities",
 "docker_compose": {"services": {"whoami": {"image": "traefik/whoami", "network_mode": "host"}}},
 "ports": [80], "min_disk": 1}`

func TestUserCatalogLayouts(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder")
	writeFile(t, filepath.Join(folder, "whoami.json"), v1App)
	indexed := filepath.Join(dir, "indexed")
	writeFile(t, filepath.Join(indexed, "index.json"), `{"version": "1.0", "apps": ["game"], "categories": [{"id": "games", "name": "Games"}]}`)
	writeFile(t, filepath.Join(indexed, "game.json"), `{"id": "game", "name": "Game", "category": "Games", `+
		`"docker_compose": {"services": {"game": {"image": "minetest/minetest:5.9"}}}, "ports": [30000], "min_cpu": 0.5}`)
	items := filepath.Join(dir, "items.json")
	writeFile(t, items, `{"items": [{"id": "nginx", "name": "My NGINX", "category": "Web Server", `+
		`"docker_compose": {"services": {"nginx": {"image": "nginx:1.27"}}}, "ports": [8080]}]}`)

	c, err := Load([]string{folder, indexed, items})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := c.Get("whoami")
	if w.MinMemory != DefaultMinMemory || w.MinCPU != DefaultMinCPU || w.Source != filepath.Join(folder, "whoami.json") {
		t.Errorf("1.0 defaults: %+v", w)
	}
	g, _ := c.Get("game")
	if g.Category != "Games" || g.MinCPU != 1 {
		t.Errorf("indexed app: %+v", g)
	}
	n, _ := c.Get("nginx")
	if n.Name != "My NGINX" {
		t.Errorf("override: %+v", n)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `"nginx" from `+items) || !strings.Contains(c.Warnings[0], "embedded:apps/nginx.json") {
		t.Errorf("warnings %v", c.Warnings)
	}
	if base, _ := Embedded(); func() bool { a, _ := base.Get("nginx"); return a.Name != "NGINX" }() {
		t.Error("a user override leaked into the embedded catalog")
	}
}

func TestBrokenUserCatalogs(t *testing.T) {
	cases := map[string]struct {
		file, content, want string
	}{
		"bad JSON": {"a.json", `{"id": "a",`, "a.json: bad JSON"},
		"unknown category": {
			"a.json",
			`{"id": "a", "name": "A", "category": "Games", "docker_compose": {"services": {"a": {"image": "x:1"}}}, "ports": [1]}`,
			`field "category": unknown category "Games"`,
		},
		"no image": {
			"a.json",
			`{"id": "a", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"ports": ["80:80"]}}}, "ports": [80]}`,
			`field "docker_compose": service "a" has no image`,
		},
		"unsafe id": {
			"a.json",
			`{"id": "../A", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"image": "x:1"}}}}`,
			`field "id": "../A" is not a safe id`,
		},
		"id mismatch": {
			"b.json",
			`{"id": "a", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"image": "x:1"}}}}`,
			`does not match the file name b.json`,
		},
		"bad compose port": {
			"a.json",
			`{"id": "a", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"image": "x:1", "ports": ["eighty"]}}}}`,
			`field "docker_compose": `,
		},
		"undeclared volume": {
			"a.json",
			`{"id": "a", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"image": "x:1", "volumes": ["data:/data"]}}}}`,
			`named volume "data", which is not declared`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, tc.file), tc.content)
			_, err := Load([]string{dir})
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want the file and %q", err, tc.want)
			}
		})
	}
	t.Run("duplicate id in one catalog", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "items.json")
		app := `{"id": "a", "name": "A", "category": "Media", "docker_compose": {"services": {"a": {"image": "x:1"}}}}`
		writeFile(t, f, `{"items": [`+app+`, `+app+`]}`)
		if _, err := Load([]string{f}); err == nil || !strings.Contains(err.Error(), `"a" is already defined by items[0]`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing path", func(t *testing.T) {
		if _, err := Load([]string{"/nonexistent/catalog"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/catalog") {
			t.Fatalf("got %v", err)
		}
	})
}

// BenchmarkLoadEmbedded parses and checks the embedded catalog from scratch
// (goal: under 20 ms).
func BenchmarkLoadEmbedded(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, err := loadEmbedded()
		if err != nil || c.Len() < 60 {
			b.Fatal(err)
		}
	}
}

// TestProjectLeavesTheEnvironmentAlone: compose-go's loader adds
// COMPOSE_PROJECT_NAME to the mapping it is given; the caller's map, which
// the deployment lays over every service, must not gain it.
func TestProjectLeavesTheEnvironmentAlone(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	app, _ := c.Get("wordpress")
	env := map[string]string{"DB_PASSWORD": "x", "DB_ROOT_PASSWORD": "y"}
	if _, err := app.Project(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 {
		t.Fatalf("Project changed the caller's environment: %v", env)
	}
}
