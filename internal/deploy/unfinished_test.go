package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A run killed after creating its container: the next create of the same
// app and hostname takes the container over instead of creating another.
func TestCreateTakesOverAnUnfinishedDeployment(t *testing.T) {
	d, _ := newService(t)
	killed := errors.New("killed")
	ctx, cancel := context.WithCancelCause(context.Background())
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) { cancel(killed) })
	if err == nil || first.VMID == 0 {
		t.Fatalf("the first run was not interrupted after creating its container: %+v %v", first, err)
	}
	// A cancelled run leaves what a killed one leaves (interrupted.go): the
	// container keeps its mark.
	o, err := d.Observe(context.Background(), first.Node, first.VMID)
	if err != nil || !o.Deploying {
		t.Fatalf("a cancelled create left its container unmarked: %+v %v", o, err)
	}

	app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	if app.VMID != first.VMID || app.Node != first.Node || app.PublicPort != first.PublicPort || app.InternalPort != first.InternalPort {
		t.Errorf("took over %+v, want the container and ports of %+v", app, first)
	}
	if app.AllocationID != first.AllocationID {
		t.Errorf("allocation %s, want the interrupted run's %s", app.AllocationID, first.AllocationID)
	}
	if !strings.Contains(app.Log[0].Message, "taking it over") {
		t.Errorf("first step %+v", app.Log[0])
	}
	guests, _ := d.Client.ClusterGuests(context.Background())
	if len(guests) != 1 {
		t.Errorf("%d containers, want 1", len(guests))
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations, want 1", n)
	}
	o, _ = d.Observe(context.Background(), app.Node, app.VMID)
	if !o.Running || o.IP == "" {
		t.Errorf("the app did not finish: %+v", o)
	}
	// The resumed create, finished, took the mark off as its last write.
	if o.Deploying || o.CatalogID != "nginx" || o.PublicPort != app.PublicPort {
		t.Errorf("after the create finished: %+v", o)
	}

	// A confirmed app of the same hostname is neither taken over nor given
	// a twin (which two states would then confuse): the create is refused.
	other, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), `the hostname "web" is already the application nginx of CT 100`) || other.VMID != 0 {
		t.Errorf("a second app of the same hostname: %+v %v", other, err)
	}
	if guests, _ := d.Client.ClusterGuests(context.Background()); len(guests) != 1 {
		t.Errorf("%d containers after the refused create", len(guests))
	}
}

// A run killed after taking its ports and before creating its container:
// the next create takes the same pair back instead of leaking it.
func TestCreateTakesBackUnclaimedPorts(t *testing.T) {
	d, _ := newService(t)
	left, _, err := d.Ports.AllocateForApplication(context.Background(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ports.Allocate(context.Background(), "web", 0); err != nil { // a port allocation of the same name is not the app's
		t.Fatal(err)
	}
	app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	if app.AllocationID != left.ID || app.PublicPort != left.PublicPort {
		t.Errorf("allocated %d (%s), want the left pair %d (%s)", app.PublicPort, app.AllocationID, left.PublicPort, left.ID)
	}
	if !strings.Contains(app.Log[1].Message, "taken back from an interrupted run") {
		t.Errorf("ports step %+v", app.Log[1])
	}
	if n := allocations(t, d); n != 2 {
		t.Errorf("%d allocations, want 2", n)
	}
	// Now that its container records it, the pair is no longer unclaimed.
	again, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web2"}, func(App) {})
	if err != nil || again.PublicPort == app.PublicPort {
		t.Errorf("a claimed pair was handed out again: %+v %v", again, err)
	}
}

// TestPlantedLookAlikeIsLeftAlone: a container that carries the tags of an
// unfinished deployment of the app, planted by anyone who may set tags, is
// not resumed (the allocation table does not hold its pair for the app), so
// it receives nothing; the app is deployed into a container of its own.
func TestPlantedLookAlikeIsLeftAlone(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	yes := true
	upid, err := d.Client.StartCreateContainer(ctx, "pve1", 150, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:2"},
		ContainerSettings: pveclient.ContainerSettings{Hostname: "web", Unprivileged: &yes, Tags: ownTags(nil, "nginx", "", 8100, 9100, true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.WaitTask(ctx, upid); err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Environment: map[string]string{"NGINX_HOST": "secret.example"}}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	if app.VMID == 150 || !strings.Contains(app.Log[0].Message, "left alone") {
		t.Errorf("the planted container was taken: %+v", app.Log[0])
	}
	res, _ := d.Nodes.Run(ctx, "pve1", "pct status 150; pct exec 150 -- ls /opt 2>&1", nil)
	if strings.Contains(res.Stdout, "status: running") || strings.Contains(res.Stdout, "nginx") {
		t.Errorf("the planted container was used: %q", res.Stdout)
	}
}

// TestOneRunNeverDeploysAHostnameTwice: two resources of one configuration
// with the same hostname never share a container.
func TestOneRunNeverDeploysAHostnameTwice(t *testing.T) {
	d, _ := newService(t)
	d.Claims = &Claims{}
	if _, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {}); err != nil {
		t.Fatal(err)
	}
	_, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), `another application of this configuration also has the hostname "web"`) {
		t.Errorf("second create of the hostname in one run: %v", err)
	}
}

// TestResumeRefusesAnotherConfiguredVMID: a create whose configuration now
// sets a vmid other than that of the container a killed run left refuses,
// naming both, instead of resuming it under the other VMID (the state
// would then disagree with the configuration) or leaving it behind.
func TestResumeRefusesAnotherConfiguredVMID(t *testing.T) {
	d, _ := newService(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) { cancel(errors.New("killed")) })
	if err == nil || first.VMID == 0 {
		t.Fatalf("the first run was not interrupted after creating its container: %+v %v", first, err)
	}
	want := first.VMID + 400
	_, err = d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web", VMID: want}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("not the configured vmid %d", want)) {
		t.Fatalf("create with vmid %d: %v, want a refusal naming CT %d", want, err, first.VMID)
	}
	guests, _ := d.Client.ClusterGuests(context.Background())
	if len(guests) != 1 {
		t.Errorf("%d containers, want the interrupted one alone", len(guests))
	}
}
