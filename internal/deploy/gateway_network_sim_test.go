package deploy

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func TestLayoutIsolated(t *testing.T) {
	l, err := LayoutIsolated("10.20.0.7/24")
	if err != nil || l.CIDR != "10.20.0.0/24" || l.NodeGateway != "10.20.0.1" || l.GatewayAddress != "10.20.0.2/24" ||
		l.RangeStart != "10.20.0.10" || l.RangeEnd != "10.20.0.254" {
		t.Fatalf("%+v %v", l, err)
	}
	for _, bad := range []string{"10.20.0.0/30", "10.0.0.0/8", "fd00::/64", "nonsense"} {
		if _, err := LayoutIsolated(bad); err == nil {
			t.Errorf("%s laid out", bad)
		}
	}
}

// TestIsolatedNetworkServesAppsOnlyThroughTheGateway builds the gateway's
// isolated network on the simulator's SDN and puts an app on it: the app
// gets a DHCP address of the subnet on the gateway's node, and answers
// through the gateway's public port.
func TestIsolatedNetworkServesAppsOnlyThroughTheGateway(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	if err := d.CheckIsolatedNetwork(ctx, "10.20.0.0/24"); err != nil {
		t.Fatalf("plan check: %v", err)
	}
	if _, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "early", Bridge: IsolatedVnet}, nil); err == nil ||
		!strings.Contains(err.Error(), "needs the isolated network of a proximity_gateway") {
		t.Fatalf("an app on the isolated network before it exists: %v", err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve2", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	if err != nil {
		t.Fatalf("%v\n%v", err, gw.Log)
	}
	var wrongNode *IsolatedNetworkError
	if _, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "elsewhere", Bridge: IsolatedVnet, Node: "pve1"}, nil); !errors.As(err, &wrongNode) {
		t.Fatalf("an isolated app on another node than the gateway's: %v", err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "inside", Bridge: IsolatedVnet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if app.Node != "pve2" || !strings.HasPrefix(app.IP, "10.20.0.") {
		t.Fatalf("the isolated app runs on %s at %s, want pve2 and 10.20.0.x", app.Node, app.IP)
	}
	sync, err := d.SyncGateway(ctx)
	if err != nil || len(sync.Routes) != 1 || sync.Routes[0].Backend != app.IP+":80" {
		t.Fatalf("sync %+v, %v", sync, err)
	}
	_, body, err := pvesimtest.GetPage("http://" + gw.IP + ":" + strconv.Itoa(app.PublicPort) + "/")
	if err != nil || !strings.Contains(body, strconv.Itoa(app.VMID)) {
		t.Fatalf("the isolated app through the gateway: %q, %v", body, err)
	}
	observed, err := d.ObserveGateway(ctx, gw.Node, gw.VMID, gw.Identity)
	if err != nil || observed.IsolatedCIDR != "10.20.0.0/24" {
		t.Fatalf("read back %+v, %v", observed, err)
	}
	// The gateway goes; the network stays for the app on it.
	if kept, err := d.DestroyGateway(ctx, gw.Node, gw.VMID, gw.Identity); err != nil || !strings.Contains(kept, "still has an address") {
		t.Fatalf("destroying the gateway with an app on its network: kept %q, %v", kept, err)
	}
	if _, found, err := d.Client.SDNVnetByID(ctx, IsolatedVnet); err != nil || !found {
		t.Fatalf("the isolated network went with the gateway while an app is on it: %v %v", found, err)
	}
}

// TestGatewayAndIsolatedNetworkOnPVE9 runs the gateway with its isolated
// network on a PVE 9.1 cluster (Alpine 3.22's HAProxy 3.2, pve-network 1.x).
func TestGatewayAndIsolatedNetworkOnPVE9(t *testing.T) {
	d := newServiceOn(t, "9.1")
	ctx := context.Background()
	installDnsmasq(t, d)
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.30.0.0/24"})
	if err != nil {
		t.Fatalf("%v\n%v", err, gw.Log)
	}
	if !strings.Contains(gw.Template, "alpine-3.22") {
		t.Errorf("the gateway's template on 9.1 is %s, want the newest Alpine (3.22)", gw.Template)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "inside", Bridge: IsolatedVnet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SyncGateway(ctx); err != nil {
		t.Fatal(err)
	}
	_, body, err := pvesimtest.GetPage("http://" + gw.IP + ":" + strconv.Itoa(app.PublicPort) + "/")
	if err != nil || !strings.Contains(body, strconv.Itoa(app.VMID)) {
		t.Fatalf("the isolated app through the gateway on 9.1: %q, %v", body, err)
	}
}

// TestIsolatedNetworkLeavesOthersPendingSDNAlone: PVE's apply makes every
// pending SDN change live, so with someone else's change staged the plan
// check and the create refuse, name it, and leave it pending; a network
// already made and applied is reused without an apply.
func TestIsolatedNetworkLeavesOthersPendingSDNAlone(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	if err := d.Client.CreateSDNSimpleZone(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	err := d.CheckIsolatedNetwork(ctx, "10.20.0.0/24")
	if err == nil || !strings.Contains(err.Error(), "zone lab (new)") {
		t.Fatalf("plan check with a foreign pending zone: %v", err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	if err == nil || gw.VMID != 0 || !strings.Contains(err.Error(), "zone lab (new)") {
		t.Fatalf("create with a foreign pending zone: CT %d, %v", gw.VMID, err)
	}
	zones, err := d.Client.SDNZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		if z.ID == "lab" && z.State != "new" || z.ID == IsolatedZone {
			t.Fatalf("the refused create changed the SDN: %+v", zones)
		}
	}
	// Once the admin applied their change, the network is made and applied.
	if err := d.Client.ApplySDN(ctx); err != nil {
		t.Fatal(err)
	}
	if gw, err = d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"}); err != nil {
		t.Fatal(err)
	}
	// Staged again by someone else, the change stays staged when the
	// gateway is destroyed: the unused network is kept, with the reason.
	if err := d.Client.CreateSDNSimpleZone(ctx, "lab2"); err != nil {
		t.Fatal(err)
	}
	kept, err := d.DestroyGateway(ctx, gw.Node, gw.VMID, gw.Identity)
	if err != nil || !strings.Contains(kept, "zone lab2 (new)") {
		t.Fatalf("destroy with a foreign pending zone: kept %q, %v", kept, err)
	}
	// The kept network is reused by the next gateway without an apply, so
	// the staged zone stays staged.
	if _, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw2", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"}); err != nil {
		t.Fatal(err)
	}
	zones, err = d.Client.SDNZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		if z.ID == "lab2" && z.State != "new" {
			t.Fatalf("a gateway reusing the network applied someone else's zone: %+v", z)
		}
	}
}

// TestMovingAnAppOntoTheIsolatedNetworkChecksItsNode: an update that puts
// an app on the vnet of another node than the gateway's is refused before
// anything changes; a move to the gateway's node in the same update is not.
func TestMovingAnAppOntoTheIsolatedNetworkChecksItsNode(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	onto := Change{CatalogID: "nginx", Hostname: "web", Identity: app.Identity, PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		Network: &Network{Bridge: IsolatedVnet, IP: "dhcp"}}
	if _, err := d.Update(ctx, app.Node, app.VMID, onto); err == nil || !strings.Contains(err.Error(), "none in the cluster") {
		t.Fatalf("onto a network that does not exist: %v", err)
	}
	if _, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve2", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx, app.Node, app.VMID, onto); err == nil || !strings.Contains(err.Error(), "this app runs on pve1") {
		t.Fatalf("onto the gateway's network from another node: %v", err)
	}
	cfg, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil || cfg.Networks[0].Bridge != DefaultBridge {
		t.Fatalf("a refused move changed net0: %+v, %v", cfg.Networks[0], err)
	}
}

// installDnsmasq prepares every node for PVE's SDN DHCP over SSH, as an
// admin does (the PVE admin guide's SDN DHCP section).
func installDnsmasq(t *testing.T, d *Service) {
	t.Helper()
	nodes, err := d.Client.OnlineNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		res, err := d.Nodes.Run(context.Background(), n, "apt install -y dnsmasq && systemctl disable --now dnsmasq", nil)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("installing dnsmasq on %s: %v %+v", n, err, res)
		}
	}
}

// TestIsolatedNetworkNeedsDnsmasq: PVE's SDN DHCP needs dnsmasq on the
// nodes, and PVE does not install it; the plan check and the create say
// so, naming the nodes and the command, before anything is made.
func TestIsolatedNetworkNeedsDnsmasq(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	if err := d.CheckIsolatedNetwork(ctx, "10.20.0.0/24"); err == nil || !strings.Contains(err.Error(), "dnsmasq is missing on pve1, pve2, pve3") ||
		!strings.Contains(err.Error(), "apt install dnsmasq") {
		t.Fatalf("plan check without dnsmasq: %v", err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	if err == nil || gw.VMID != 0 || !strings.Contains(err.Error(), "dnsmasq is missing") {
		t.Fatalf("create without dnsmasq: CT %d, %v", gw.VMID, err)
	}
	if zones, err := d.Client.SDNZones(ctx); err != nil || len(zones) != 0 {
		t.Fatalf("a refused create made SDN objects: %+v %v", zones, err)
	}
}
