package deploy

import (
	"context"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A restore into a new application gives it the network a create sets and
// nothing of the original's: PVE's restore with unique=1 keeps every netN of
// the archive with only a new MAC (pve-container src/PVE/LXC/Create.pm
// sanitize_and_merge_config), so the original's static IPv6 address, VLAN
// tag, firewall flag and second interface would come along.
func TestRestoreIntoNewAppDropsTheOriginalsNetwork(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", IPConfig: "192.168.50.10/24", Gateway: "192.168.50.1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What an administrator set on the original by hand (pct set).
	cfg, err := d.Client.ContainerConfig(ctx, first.Node, first.VMID)
	if err != nil {
		t.Fatal(err)
	}
	yes, tag := true, 42
	net0 := cfg.Networks[0]
	net0.IP6, net0.Gateway6, net0.Tag, net0.Firewall = "fd00::10/64", "fd00::1", &tag, &yes
	net1 := pveclient.ContainerNetwork{Name: "eth1", Bridge: "vmbr0", IP: "10.9.9.9/24"}
	if err := d.Client.UpdateContainerConfig(ctx, first.Node, first.VMID,
		pveclient.ContainerConfigUpdate{Networks: map[int]pveclient.ContainerNetwork{0: net0, 1: net1}}); err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "stop", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if archived, err := d.Client.ExtractConfig(ctx, b.Node, b.VolID); err != nil || len(archived.Networks) != 2 || archived.Networks[0].IP6 == "" {
		t.Fatalf("the backup holds %+v (%v), want the hand-set network", archived.Networks, err)
	}
	spec := Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID, IPConfig: "192.168.50.11/24", Gateway: "192.168.50.1"}
	restored, err := d.Create(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Client.ContainerConfig(ctx, restored.Node, restored.VMID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Networks) != 1 {
		t.Errorf("restored app has interfaces %+v, want net0 alone", got.Networks)
	}
	n := got.Networks[0]
	want := newContainer(spec, mustApp(t, d, "nginx"), restored.App, "").Networks[0]
	want.HWAddr, want.Type = n.HWAddr, "veth" // PVE sets the type
	if n.HWAddr == "" || n.HWAddr == net0.HWAddr || n.String() != want.String() {
		t.Errorf("restored net0 %q, want the create's %q with a new MAC (the original's is %s)", n.String(), want.String(), net0.HWAddr)
	}
}
