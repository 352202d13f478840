package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// Every catalog app's environment comes back out of the compose file
// RenderCompose wrote, whether a variable is a service's extra entry or
// only interpolated where a service sets it itself (duplicati's
// SETTINGS_ENCRYPTION_KEY: ${SETTINGS_ENCRYPTION_KEY}, and 20 more apps).
// A key that appears nowhere in the file cannot come back and is skipped.
func TestComposeEnvironmentReadsEveryCatalogApp(t *testing.T) {
	ctx := context.Background()
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	checked, ownOnly := 0, 0
	for _, entry := range cat.Apps() {
		values := map[string]string{"PROXIMITY_EXTRA": "extra-" + entry.ID + "-$x"}
		i := 0
		for k := range entry.Environment {
			i++
			values[k] = fmt.Sprintf("v%d-%s$%s-${none}.end", i, entry.ID, k)
		}
		text, err := RenderCompose(ctx, entry, values)
		if err != nil {
			t.Fatalf("%s: %v", entry.ID, err)
		}
		got, err := composeEnvironment(ctx, entry, text)
		if err != nil {
			t.Fatalf("%s: %v", entry.ID, err)
		}
		own, _ := entry.Project(ctx, entry.Environment)
		for k, want := range values {
			if !strings.Contains(string(text), strings.ReplaceAll(want, "$", "$$")) {
				continue
			}
			checked++
			if everyServiceDeclares(own.Services, k) {
				ownOnly++
			}
			if got[k] != want {
				t.Errorf("%s: %s read back as %q, want %q", entry.ID, k, got[k], want)
			}
		}
	}
	if checked < 100 || ownOnly < 21 {
		t.Errorf("checked %d keys, %d of them only in a service's own entry: the catalog has more", checked, ownOnly)
	}
}

func everyServiceDeclares(services types.Services, key string) bool {
	for _, svc := range services {
		if _, ok := svc.Environment[key]; !ok {
			return false
		}
	}
	return true
}

// unmark takes a variable out of an entry that holds it among other text,
// even when its value holds that text too.
func TestUnmark(t *testing.T) {
	tmpl := "postgres://u:<<proximity:DB>>@db:5432/x"
	if got := unmark(tmpl, "postgres://u:p@db:5432/x@db:5432/x"); got["DB"] != "p@db:5432/x" {
		t.Errorf("unmark = %v", got)
	}
	if got := unmark(tmpl, "mysql://u:p@db:5432/x"); got != nil {
		t.Errorf("a value that does not fit its template gave %v", got)
	}
	if got := unmark("<<proximity:A>>-<<proximity:A>>", "x-y"); got != nil {
		t.Errorf("one key with two values gave %v", got)
	}
	if got := unmark("fixed", "fixed"); got != nil {
		t.Errorf("an entry without a variable gave %v", got)
	}
}

// layEnvironment keeps every running value the configuration does not set,
// except a key the previous configuration set: that one goes back to the
// catalog's default.
func TestLayEnvironment(t *testing.T) {
	running := map[string]string{"FROM_BACKUP": "old", "DROPPED": "was-configured", "KEPT": "x", "bad-name": "y"}
	got := layEnvironment(running, map[string]string{"DROPPED": "was-configured", "KEPT": "x"}, map[string]string{"KEPT": "new", "ADDED": "a"})
	want := map[string]string{"FROM_BACKUP": "old", "KEPT": "new", "ADDED": "a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("layEnvironment = %v, want %v", got, want)
	}
}

// A restored duplicati keeps its settings encryption key, which its service
// sets itself, and keeps it through later changes of its environment (the
// settings it encrypted are unreadable with another key).
func TestRestoredEnvironmentSurvivesLaterChanges(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	const key = "old$secret"
	first, err := d.Create(ctx, Spec{CatalogID: "duplicati", Hostname: "dup", Environment: map[string]string{"SETTINGS_ENCRYPTION_KEY": key}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "duplicati", Hostname: "dup2", RestoreFrom: b.VolID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	entry := mustApp(t, d, "duplicati")
	envOf := func(when string) map[string]string {
		t.Helper()
		env, err := d.runningEnvironment(ctx, entry, app.Node, app.VMID)
		if err != nil {
			t.Fatal(err)
		}
		if env["SETTINGS_ENCRYPTION_KEY"] != key {
			t.Errorf("%s: SETTINGS_ENCRYPTION_KEY %q, want the backup's %q", when, env["SETTINGS_ENCRYPTION_KEY"], key)
		}
		return env
	}
	envOf("after the restore")
	change := Change{CatalogID: "duplicati", PublicPort: app.PublicPort, InternalPort: app.InternalPort, Redeploy: true,
		Environment: map[string]string{"TZ": "Europe/Paris"}}
	if _, err := d.Update(ctx, app.Node, app.VMID, change); err != nil {
		t.Fatal(err)
	}
	if env := envOf("after setting TZ"); env["TZ"] != "Europe/Paris" {
		t.Errorf("TZ %q after setting it", env["TZ"])
	}
	change.PreviousEnvironment, change.Environment = change.Environment, nil
	if _, err := d.Update(ctx, app.Node, app.VMID, change); err != nil {
		t.Fatal(err)
	}
	if env := envOf("after removing TZ"); env["TZ"] != "" {
		t.Errorf("TZ %q after removing it from the configuration, want none", env["TZ"])
	}
}
