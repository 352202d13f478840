package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func TestGatewayCreateServesTheClustersApps(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	web, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := d.Create(ctx, Spec{CatalogID: "httpd", Hostname: "docs", Node: "pve2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil {
		t.Fatalf("%v\n%v", err, gw.Log)
	}
	if len(gw.Routes) != 2 || gw.IP == "" {
		t.Fatalf("gateway %+v", gw)
	}
	for _, app := range []Created{web, docs} {
		header, body, err := pvesimtest.GetPage("http://" + gw.IP + ":" + strconv.Itoa(app.PublicPort) + "/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, strconv.Itoa(app.VMID)) || header.Get("X-Frame-Options") == "" {
			t.Fatalf("CT %d through the gateway: %v %q", app.VMID, header, body)
		}
		header, _, err = pvesimtest.GetPage("http://" + gw.IP + ":" + strconv.Itoa(app.InternalPort) + "/")
		if err != nil {
			t.Fatal(err)
		}
		if header.Get("X-Frame-Options") != "" || strings.Contains(header.Get("Content-Security-Policy"), "frame-ancestors") {
			t.Fatalf("the embed port of CT %d keeps the framing headers: %v", app.VMID, header)
		}
	}
	observed, err := d.ObserveGateway(ctx, gw.Node, gw.VMID, gw.Identity)
	if err != nil || !observed.RoutesKnown || !SameRoutes(observed.Routes, gw.Routes) {
		t.Fatalf("read back %+v (%v), created with %+v", observed, err, gw.Routes)
	}

	// A sync with nothing changed writes nothing; after a delete, the route goes.
	if sync, err := d.SyncGateway(ctx); err != nil || len(sync.Reloaded) != 0 {
		t.Fatalf("a sync of an unchanged cluster: %+v, %v", sync, err)
	}
	if err := d.Destroy(ctx, docs.Node, docs.VMID, docs.AllocationID); err != nil {
		t.Fatal(err)
	}
	sync, err := d.SyncGateway(ctx)
	if err != nil || len(sync.Routes) != 1 || len(sync.Reloaded) != 1 || sync.Routes[0].VMID != web.VMID {
		t.Fatalf("after the delete: %+v, %v", sync, err)
	}
	if u, err := d.URLs(ctx, web.VMID, "nginx", web.IP, web.PublicPort, web.InternalPort, true); err != nil ||
		u.URL != fmt.Sprintf("http://%s:%d", gw.IP, web.PublicPort) || u.DirectURL != web.URL {
		t.Fatalf("urls %+v, %v", u, err)
	}

	// HAProxy stopped inside the gateway serves nothing, whatever its file
	// says; a sync of the unchanged file starts it again.
	if err := d.inContainer(ctx, gw.Node, gw.VMID, "rc-service", "haproxy", "stop"); err != nil {
		t.Fatal(err)
	}
	if served, problem := d.ServedRoutes(ctx, gw.Node, gw.VMID); problem != "" || len(served) != 0 {
		t.Fatalf("a stopped HAProxy reads as serving %+v (%s)", served, problem)
	}
	if _, err := d.SyncGateway(ctx); err != nil {
		t.Fatal(err)
	}
	if served, _ := d.ServedRoutes(ctx, gw.Node, gw.VMID); len(served) != 1 {
		t.Fatalf("after the sync HAProxy serves %+v", served)
	}

	// A configuration HAProxy refuses is not installed: the gateway keeps
	// serving the one it has.
	if _, err := d.pushGatewayConfig(ctx, gw.Node, gw.VMID, []byte("frontend broken\n    bindd :1\n")); err == nil ||
		!strings.Contains(err.Error(), "refused its new configuration") || !strings.Contains(err.Error(), "bindd") {
		t.Fatalf("an invalid configuration: %v", err)
	}
	if _, _, err := pvesimtest.GetPage("http://" + gw.IP + ":" + strconv.Itoa(web.PublicPort) + "/"); err != nil {
		t.Fatalf("the gateway stopped serving after a refused configuration: %v", err)
	}
	if _, err := d.DestroyGateway(ctx, gw.Node, gw.VMID, "another-identity"); err != nil {
		t.Fatal(err)
	}
	if o, err := d.ObserveGateway(ctx, gw.Node, gw.VMID, gw.Identity); err != nil || o.Gone {
		t.Fatalf("a destroy under another identity touched the gateway: %+v %v", o, err)
	}
	if _, err := d.DestroyGateway(ctx, gw.Node, gw.VMID, gw.Identity); err != nil {
		t.Fatal(err)
	}
	if u, err := d.URLs(ctx, web.VMID, "nginx", web.IP, web.PublicPort, web.InternalPort, true); err != nil || u.URL != web.URL || u.EmbedURL != "" {
		t.Fatalf("urls without a gateway %+v, %v", u, err)
	}
}

func TestTheGatewayIsNotImportedAsAnApplication(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.FindForImport(ctx, "", gw.VMID); err == nil || !strings.Contains(err.Error(), "import it as a proximity_gateway") {
		t.Fatalf("importing the gateway as an app: %v", err)
	}
	if _, err := d.FindGateway(ctx, "", gw.VMID); err != nil {
		t.Fatalf("importing the gateway as a gateway: %v", err)
	}
}

// TestAnUnreadableAddressKeepsItsServedRoute: a node that does not answer
// for one app's address (595) must not take that app's route down, nor
// stop the sync of the others.
func TestAnUnreadableAddressKeepsItsServedRoute(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	web, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := d.Create(ctx, Spec{CatalogID: "httpd", Hostname: "docs", Node: "pve2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil || len(gw.Routes) != 2 {
		t.Fatalf("%+v %v", gw.Routes, err)
	}
	if err := sim.SetFaults("595:GET /nodes/pve2/lxc/*/interfaces=1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Destroy(ctx, web.Node, web.VMID, web.AllocationID); err != nil {
		t.Fatal(err)
	}
	sync, err := d.SyncGateway(ctx)
	if err != nil || len(sync.Routes) != 1 || sync.Routes[0].VMID != docs.VMID || len(sync.Reloaded) != 1 {
		t.Fatalf("a sync with docs' node silent: %+v, %v", sync, err)
	}
	served, _ := d.ServedRoutes(ctx, gw.Node, gw.VMID)
	want, _, unread, err := d.ClusterRoutes(ctx, served)
	if err != nil || len(unread) != 1 || unread[0] != docs.VMID || !SameRoutes(want, served) {
		t.Fatalf("the plan's view: %+v unread %v, %v", want, unread, err)
	}
}

// TestAnUnfinishedGatewayIsNamedNotDuplicated: a gateway container whose
// create did not finish (a killed run's, or another workspace's in
// progress) is neither taken nor ignored: a new create names it and makes
// nothing.
func TestAnUnfinishedGatewayIsNamedNotDuplicated(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil {
		t.Fatal(err)
	}
	// As a run killed before its last step leaves it.
	if err := d.Client.UpdateContainerConfig(ctx, gw.Node, gw.VMID, pveclient.ContainerConfigUpdate{Tags: gatewayTags(gw.Identity, true)}); err != nil {
		t.Fatal(err)
	}
	again, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw2", Node: "pve2", Identity: NewIdentity()})
	if err == nil || again.VMID != 0 || !strings.Contains(err.Error(), "whose create has not finished") ||
		!strings.Contains(err.Error(), "pct destroy "+strconv.Itoa(gw.VMID)) {
		t.Fatalf("a create beside an unfinished gateway: CT %d, %v", again.VMID, err)
	}
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil || len(guests) != 1 {
		t.Fatalf("the refused create changed the cluster: %+v %v", guests, err)
	}
}
