package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestCreateNeverTakesOverAnotherStatesApp: an app one state created is
// never resumed by another state's create of the same app and hostname
// (another workspace, or this one after a kill as its create ended): the
// create takes its deploying mark off as its last write, so the second
// create is refused, naming the container and the import that brings it
// back, and writes nothing: the first app keeps its container, tags,
// identity and allocation. (The reviewer's repro: before, the second
// create resumed CT 100 and reported it as its own.)
func TestCreateNeverTakesOverAnotherStatesApp(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	a, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1", Tags: []string{"mine"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.Observe(ctx, a.Node, a.VMID)
	if err != nil || o.Deploying || !o.Running || o.Identity != a.Identity || !slices.Equal(o.Tags, []string{"mine"}) {
		t.Errorf("after its create, CT %d reads %+v (%v): want it running, with its identity and tags, without the deploying mark", a.VMID, o, err)
	}
	cfg, err := d.Client.ContainerConfig(ctx, a.Node, a.VMID)
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()

	other := &Service{Client: d.Client, Nodes: d.Nodes, Ports: d.Ports, Catalog: d.Catalog, Backups: d.Backups, Claims: &Claims{}}
	b, err := other.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err == nil || b.VMID != 0 || b.Exists {
		t.Fatalf("the second state's create of web: %+v, %v; want it refused with no container", b, err)
	}
	want := `the hostname "web" is already the application nginx of CT 100 on pve1`
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "import it (terraform import <address> pve1/100)") {
		t.Errorf("refused with %q, want %q and the import that brings it back", err, want)
	}
	if w := sim.Stats().Writes; len(w) != 0 {
		t.Errorf("the refused create wrote: %v", w)
	}
	after, err := d.Client.ContainerConfig(ctx, a.Node, a.VMID)
	if err != nil || after.Digest != cfg.Digest || after.Tags.String() != cfg.Tags.String() {
		t.Errorf("the first app's config changed: %+v (%v), was %+v", after, err, cfg)
	}
	if got, ok, err := d.Ports.Get(ctx, a.AllocationID); err != nil || !ok || got.Application != "web" || got.PublicPort != a.PublicPort {
		t.Errorf("the first app's allocation %s: %+v %v %v", a.AllocationID, got, ok, err)
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations, want the first app's alone", n)
	}
	if guests, _ := d.Client.ClusterGuests(ctx); len(guests) != 1 {
		t.Errorf("%d containers, want the first app's alone", len(guests))
	}
}
