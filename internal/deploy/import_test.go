package deploy

import (
	"context"
	"maps"
	"strings"
	"testing"
)

// TestImportReadsTheApp imports an app deployed with an environment: it is
// found by its VMID alone, refused on a node that does not hold it (with
// where it is), and brings back the keys that are not the catalog's
// defaults, and its own pair.
func TestImportReadsTheApp(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	env := map[string]string{"GOTIFY_DEFAULTUSER_PASS": "s3cr$t", "TZ": "Europe/Paris"}
	app, err := d.Create(ctx, Spec{CatalogID: "gotify", Hostname: "notify", Node: "pve1", Environment: env}, nil)
	if err != nil {
		t.Fatal(err)
	}
	node, o, err := d.FindForImport(ctx, "", app.VMID)
	if err != nil || node != "pve1" || o.CatalogID != "gotify" {
		t.Fatalf("bare VMID: node %q, %+v, %v", node, o, err)
	}
	if _, _, err := d.FindForImport(ctx, "pve2", app.VMID); err == nil ||
		!strings.Contains(err.Error(), "CT 100 is on node pve1, not pve2: import it as pve1/100, or as 100") {
		t.Errorf("wrong node: %v", err)
	}
	if _, _, err := d.FindForImport(ctx, "", 4242); err == nil || err.Error() != "no container 4242 in the cluster" {
		t.Errorf("missing VMID: %v", err)
	}
	im, err := d.Import(ctx, node, app.VMID, o)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(JoinEnvironment(im.Environment, im.SecretEnvironment), env) || im.EnvironmentUnread != "" {
		t.Errorf("environment %v (%q), want %v", im.Environment, im.EnvironmentUnread, env)
	}
	if _, secret := im.SecretEnvironment["GOTIFY_DEFAULTUSER_PASS"]; !secret || len(im.SecretEnvironment) != 1 {
		t.Errorf("the password is not alone in the secret environment: ordinary %v", im.Environment)
	}
	if im.AllocationID != app.AllocationID || im.PortAllocationID != "" {
		t.Errorf("ports: %+v, want the app's own allocation %s", im, app.AllocationID)
	}
}

// TestImportOnPortAllocation: a pair the table holds without an
// application is a proximity_port_allocation's, which the app only uses.
func TestImportOnPortAllocation(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	pair, err := d.Ports.Allocate(ctx, "shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", PortAllocationID: pair.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, o, err := d.FindForImport(ctx, app.Node, app.VMID)
	if err != nil {
		t.Fatal(err)
	}
	im, err := d.Import(ctx, app.Node, app.VMID, o)
	if err != nil || im.PortAllocationID != pair.ID || im.AllocationID != "" || im.Environment != nil {
		t.Errorf("imported %+v (%v), want port allocation %s, no allocation and no environment", im, err, pair.ID)
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations after the import, want the pair alone", n)
	}
}

// TestImportOfAPairTheTableLacksWritesNothing: an import runs during a plan
// when an import block asks for it, so it never writes the allocation table;
// a pair the table does not hold (a table on another machine, or lost) stays
// out of it, and the app owns no allocation a destroy would release.
func TestImportOfAPairTheTableLacksWritesNothing(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ports.Release(ctx, app.AllocationID); err != nil {
		t.Fatal(err)
	}
	_, o, err := d.FindForImport(ctx, app.Node, app.VMID)
	if err != nil {
		t.Fatal(err)
	}
	im, err := d.Import(ctx, app.Node, app.VMID, o)
	if err != nil || im.AllocationID != "" || im.PortAllocationID != "" {
		t.Errorf("imported %+v (%v), want neither an allocation nor a port allocation", im, err)
	}
	if n := allocations(t, d); n != 0 {
		t.Errorf("%d allocations after the import, want none: an import writes nothing", n)
	}
}
