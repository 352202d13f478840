package deploy

import (
	"strings"
	"testing"
)

// TestUnusedEnvironment: a key neither the catalog nor the compose file of
// gitea names is reported with the closest known key; the catalog's keys
// and the compose file's are not.
func TestUnusedEnvironment(t *testing.T) {
	app := embeddedApp(t, "gitea")
	got := UnusedEnvironment(app, map[string]string{"DB_PASSWROD": "x", "DB_PASSWORD": "y", "GITEA__database__HOST": "z"})
	if len(got) != 1 || got[0].Key != "DB_PASSWROD" || got[0].Closest != "DB_PASSWORD" {
		t.Fatalf("UnusedEnvironment = %+v, want DB_PASSWROD closest to DB_PASSWORD", got)
	}
	if p := got[0].Problem("gitea"); !strings.Contains(p, "(did you mean DB_PASSWORD?)") {
		t.Errorf("problem %q", p)
	}
}
