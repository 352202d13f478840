package deploy

import (
	"context"
	"strings"
	"testing"
)

// TestRelocateWithANewBridge: a move to a node that lacks the app's
// bridge, with the bridge changed in the same update, shuts the app down
// first, migrates it stopped, moves net0 to the new bridge and only then
// starts it. Restart mode would start it on the new node on its old
// bridge, which fails there (TestRelocateFailedStartOnTheTarget).
func TestRelocateWithANewBridge(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	addBridge(t, d, "pve1", "vmbr1")
	addBridge(t, d, "pve2", "vmbr2")
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1", Bridge: "vmbr1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := d.Update(ctx, "pve1", app.VMID, Change{
		CatalogID: "nginx", Relocate: &Relocation{Node: "pve2"}, Network: &Network{Bridge: "vmbr2", IP: "dhcp"},
	})
	if err != nil {
		t.Fatalf("update: %v (steps %+v)", err, steps)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ", "); got != "stop, migrate, update config, start" {
		t.Errorf("steps: %s", got)
	}
	o, err := d.Observe(ctx, "pve2", app.VMID)
	if err != nil || !o.Running || o.Bridge != "vmbr2" {
		t.Errorf("on pve2: %+v %v", o, err)
	}
}
