package deploy

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A container whose px-id- and px-app- tags were removed out of band is
// still the application when its identity file says so (one read-only
// pct exec); the missing tags are reported, and the observation keeps the
// recorded app. Without the file, with another identity in it, or stopped
// (no pct exec then), it is not taken for the app, hostname or not. None of
// this writes anything.
func TestOwnsWithTheIdentityFileWhenTheTagIsGone(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	rec := Recorded{Identity: app.Identity, CatalogID: "nginx", Hostname: "web", PublicPort: app.PublicPort, InternalPort: app.InternalPort}
	if out, _ := inApp(t, d, app, "cat", IdentityFile); strings.TrimSpace(out) != app.Identity {
		t.Fatalf("%s holds %q, want %q", IdentityFile, out, app.Identity)
	}
	o, _ := d.Observe(ctx, app.Node, app.VMID)
	if missing := o.MissingTags(rec); len(missing) != 0 {
		t.Errorf("a fresh app misses %v", missing)
	}
	setTags(t, d, app, pveclient.Tags{TagProximity, "px-int-" + strconv.Itoa(app.InternalPort), "px-pub-" + strconv.Itoa(app.PublicPort), "mine"})

	sim.ResetStats()
	o, _ = d.Observe(ctx, app.Node, app.VMID)
	owned, err := d.Owns(ctx, app.Node, app.VMID, o, rec)
	if err != nil || !owned {
		t.Fatalf("the app without its px-id- tag, its file still there: %v %v", owned, err)
	}
	if w := sim.Stats().Writes; len(w) != 0 {
		t.Errorf("observing and proving wrote: %v", w)
	}
	wantMissing := []string{TagApp + "nginx", TagID + app.Identity}
	if got := o.MissingTags(rec); !slices.Equal(got, wantMissing) {
		t.Errorf("missing %v, want %v", got, wantMissing)
	}
	if kept := o.WithRecorded(rec); kept.CatalogID != "nginx" || kept.Identity != app.Identity || !slices.Equal(kept.Tags, []string{"mine"}) {
		t.Errorf("the observation with the recorded app: %+v", kept)
	}

	inApp(t, d, app, "sh", "-c", "echo 0123456789ab > "+IdentityFile)
	if owned, err := d.Owns(ctx, app.Node, app.VMID, o, rec); err != nil || owned {
		t.Errorf("another identity in the file: %v %v", owned, err)
	}
	inApp(t, d, app, "rm", IdentityFile)
	if owned, err := d.Owns(ctx, app.Node, app.VMID, o, rec); err != nil || owned {
		t.Errorf("no file, hostname alone: %v %v", owned, err)
	}
	o.Running = false
	if owned, err := d.Owns(ctx, app.Node, app.VMID, o, rec); err != nil || owned {
		t.Errorf("stopped: %v %v", owned, err)
	}
	o.Running, o.Identity = true, "0123456789ab"
	if owned, _ := d.Owns(ctx, app.Node, app.VMID, o, rec); owned {
		t.Error("another identity in the tag")
	}
}

// An app a state holds may keep its deploying mark until its next update:
// one created by a version that left the mark for a later refresh to take
// off (a refresh now writes nothing). A create of another app under its
// hostname is refused all the same, instead of making a twin.
func TestMarkedAppOfAnotherCatalogIDIsNoFreeHostname(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	setTags(t, d, app.App, ownTags(nil, "nginx", app.Identity, app.PublicPort, app.InternalPort, true))
	other, err := d.Create(ctx, Spec{CatalogID: "it-tools", Hostname: "web"}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), `the hostname "web" is already the application nginx`) || other.VMID != 0 {
		t.Errorf("another app under a marked app's hostname: %+v %v", other, err)
	}
}

func setTags(t *testing.T, d *Service, app App, tags pveclient.Tags) {
	t.Helper()
	if err := d.Client.UpdateContainerConfig(context.Background(), app.Node, app.VMID, pveclient.ContainerConfigUpdate{Tags: tags}); err != nil {
		t.Fatal(err)
	}
}
