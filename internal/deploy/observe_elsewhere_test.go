package deploy

import (
	"context"
	"testing"
)

// TestObserveElsewhere: a container migrated out of band (as PVE's pct
// migrate does: the migrate API, restart mode) is gone from its node and
// read where the cluster lists it now, with its identity, so that a
// refresh can follow it; the read writes nothing. A container on the node
// asked about, or on none, is not "elsewhere".
func TestObserveElsewhere(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Client.MigrateContainer(ctx, "pve1", app.VMID, "pve2", ""); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Observe(ctx, "pve1", app.VMID); err != nil || !o.Gone {
		t.Fatalf("on pve1 after the migration: %+v %v, want gone", o, err)
	}
	sim.ResetStats()
	node, o, found, err := d.ObserveElsewhere(ctx, "pve1", app.VMID)
	if err != nil || !found || node != "pve2" {
		t.Fatalf("ObserveElsewhere: %q %v %v, want pve2", node, found, err)
	}
	if o.Gone || !o.Running || o.Identity != app.Identity || o.Hostname != "web" || o.PublicPort != app.PublicPort {
		t.Errorf("observed on pve2: %+v, want the app (identity %s, port %d) running", o, app.Identity, app.PublicPort)
	}
	if w := sim.Stats().Writes; len(w) != 0 {
		t.Errorf("ObserveElsewhere wrote: %v", w)
	}
	if node, _, found, err := d.ObserveElsewhere(ctx, "pve2", app.VMID); err != nil || found {
		t.Errorf("asked from the node it is on: %q %v %v, want not found", node, found, err)
	}
	if node, _, found, err := d.ObserveElsewhere(ctx, "pve1", app.VMID+1); err != nil || found {
		t.Errorf("a VMID on no node: %q %v %v, want not found", node, found, err)
	}
}
