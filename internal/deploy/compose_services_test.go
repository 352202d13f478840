package deploy

import (
	"testing"

	"go.yaml.in/yaml/v3"
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
