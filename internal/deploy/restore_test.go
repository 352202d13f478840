package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// marker reads /srv/marker in a container.
func marker(t *testing.T, d *Service, app App) string {
	t.Helper()
	out, err := d.output(context.Background(), app.Node, app.VMID, "cat", "/srv/marker")
	if err != nil {
		t.Fatalf("reading the marker in CT %d: %v", app.VMID, err)
	}
	return strings.TrimSpace(out)
}

func setMarker(t *testing.T, d *Service, app App, value string) {
	t.Helper()
	if err := d.inContainer(context.Background(), app.Node, app.VMID, "sh", "-c", "echo "+value+" > /srv/marker"); err != nil {
		t.Fatal(err)
	}
}

// A backup restores into a new application that keeps the backup's ports
// when they are free, and over an existing one in place.
func TestRestoreIntoNewAndInPlace(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	setMarker(t, d, first.App, "v1")
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Destroy(ctx, first.Node, first.VMID, first.AllocationID); err != nil {
		t.Fatal(err)
	}

	restored, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID}, func(App) {})
	if err != nil {
		for _, s := range restored.Log {
			t.Logf("%s %s %s", s.Name, s.Status, s.Message)
		}
		t.Fatal(err)
	}
	if restored.PublicPort != first.PublicPort || restored.InternalPort != first.InternalPort {
		t.Errorf("restored with ports %d/%d, want the backup's free pair %d/%d",
			restored.PublicPort, restored.InternalPort, first.PublicPort, first.InternalPort)
	}
	if got := marker(t, d, restored.App); got != "v1" {
		t.Errorf("marker %q after the restore, want v1", got)
	}
	o, _ := d.Observe(ctx, restored.Node, restored.VMID)
	if o.Hostname != "web2" || !o.Running || o.PublicPort != restored.PublicPort || !o.Deploying {
		t.Errorf("restored container %+v", o)
	}

	setMarker(t, d, restored.App, "v2")
	steps, err := d.Update(ctx, restored.Node, restored.VMID,
		Change{CatalogID: "nginx", PublicPort: restored.PublicPort, InternalPort: restored.InternalPort, RestoreFrom: b.VolID})
	if err != nil {
		t.Fatalf("in-place restore: %v (%+v)", err, steps)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "stop,restore container,start,wait for address") ||
		!strings.HasSuffix(got, "check services") {
		t.Errorf("steps %s", got)
	}
	if got := marker(t, d, restored.App); got != "v1" {
		t.Errorf("marker %q after the in-place restore, want v1", got)
	}
	after, _ := d.Observe(ctx, restored.Node, restored.VMID)
	if after.Hostname != "web2" || !after.Running || after.PublicPort != restored.PublicPort {
		t.Errorf("container after the in-place restore %+v", after)
	}
}

// A restore whose task fails leaves no container and no allocation.
func TestFailedRestoreLeavesNothing(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("taskfail:vzrestore=1x1|unable to restore CT - tar: short read"); err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID}, func(App) {})
	if err == nil {
		t.Fatal("the restore did not fail")
	}
	if app.Exists || app.VMID != 0 || app.AllocationID != "" {
		t.Errorf("a failed restore reported %+v", app)
	}
	guests, _ := d.Client.ClusterGuests(ctx)
	if len(guests) != 1 || allocations(t, d) != 1 {
		t.Errorf("%d containers and %d allocations, want only the first app's", len(guests), allocations(t, d))
	}
}
