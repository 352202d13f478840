package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// TestEachKeyReachesItsReaders: in Nextcloud's rendered file Redis, which
// reads no variable, gets none; the database gets DB_PASSWORD and not the
// admin password; keys no service reads (DB_ROOT_PASSWORD, the user's TZ)
// go to the main service alone.
func TestEachKeyReachesItsReaders(t *testing.T) {
	app := embeddedApp(t, "nextcloud")
	out, err := RenderCompose(t.Context(), app, map[string]string{"TZ": "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if env := doc.Services["redis"].Environment; len(env) != 0 {
		t.Errorf("redis gets %d variables, want none", len(env))
	}
	db, main := doc.Services["db"].Environment, doc.Services["nextcloud"].Environment
	for key, want := range map[string][2]bool{
		"DB_PASSWORD": {true, true}, "NEXTCLOUD_ADMIN_PASSWORD": {false, true}, "DB_ROOT_PASSWORD": {false, true}, "TZ": {false, true},
	} {
		_, inDB := db[key]
		_, inMain := main[key]
		if inDB != want[0] || inMain != want[1] {
			t.Errorf("%s: db %v, nextcloud %v; want %v, %v", key, inDB, inMain, want[0], want[1])
		}
	}
}

// TestUnreadKeysGoToTheServiceOnTheMainPort: in an app of a Proximity 1.0
// catalog, whose services are not named after it (db, web), a key no
// service reads goes to the service that publishes the app's main port,
// not to the first name in order (db).
func TestUnreadKeysGoToTheServiceOnTheMainPort(t *testing.T) {
	app := `{"items": [{"id": "wiki", "name": "Wiki", "description": "A 1.0 app.", "version": "1", "category": "Web Server",
  "docker_compose": {"services": {
    "web": {"image": "nginx:1.27.4-alpine", "ports": ["127.0.0.1:8080:80/tcp"]},
    "db": {"image": "postgres:16", "environment": {"POSTGRES_PASSWORD": "${DB_PASSWORD}"}}}},
  "ports": [8080], "environment": {"DB_PASSWORD": "x"}, "min_memory": 128, "min_cpu": 1, "min_disk": 1}]}`
	file := filepath.Join(t.TempDir(), "wiki.json")
	if err := os.WriteFile(file, []byte(app), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := c.Get("wiki")
	if names := entry.ServiceNames(); names[0] != "web" {
		t.Errorf("services %v, want web first (it publishes port 8080)", names)
	}
	out, err := RenderCompose(t.Context(), entry, map[string]string{"TZ": "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Services["web"].Environment["TZ"]; !ok {
		t.Errorf("web lacks TZ: %v", doc.Services["web"].Environment)
	}
	if _, ok := doc.Services["db"].Environment["TZ"]; ok {
		t.Errorf("db got TZ, which it does not read")
	}
}
