package deploy

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Review 2, A1: Proximity's own network made but not applied (a create interrupted
// between its SDN creates and PUT /cluster/sdn): does a retry go through?
func TestAnUnappliedOwnNetworkIsFinishedByTheNextCreate(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	layout, _ := LayoutIsolated("10.20.0.0/24")
	if err := d.makeIsolated(ctx, layout, false); err != nil {
		t.Fatal(err)
	}
	err := d.CheckIsolatedNetwork(ctx, "10.20.0.0/24")
	t.Logf("plan check, own network pending: %v", err)
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	t.Logf("create, own network pending: CT %d, %v", gw.VMID, err)
	if err != nil {
		t.Errorf("a retry after an unapplied own network is refused: %v", err)
	}
}

// Review 2, A1: only the zone was made (the vnet create failed).
func TestAnUnappliedOwnZoneIsUsedByTheNextPlan(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	if err := d.Client.CreateSDNSimpleZone(ctx, IsolatedZone); err != nil {
		t.Fatal(err)
	}
	err := d.CheckIsolatedNetwork(ctx, "10.20.0.0/24")
	t.Logf("plan check, own zone pending: %v", err)
	if err != nil {
		t.Errorf("a retry after an unapplied own zone is refused: %v", err)
	}
}

// Review 2, A4: an app whose address could not be read before the lock is read
// again under it (3 failing attempts outside, 3 more inside).
func TestAnUnreadableAddressIsReadOncePerSync(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	if _, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil); err != nil {
		t.Fatal(err)
	}
	docs, err := d.Create(ctx, Spec{CatalogID: "httpd", Hostname: "docs", Node: "pve2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("595:GET /nodes/pve2/lxc/*/interfaces=1x6"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SyncGateway(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = d.Client.GuestIPv4(ctx, docs.Node, docs.VMID)
	t.Logf("after the sync, a read of docs' address: %v", err)
	if err == nil {
		t.Errorf("the unreadable address was read twice, the second time under the allocation lock")
	}
}

// Review 2, A3: a sync pushes an address it read before waiting for the lock.
func TestASyncWaitingForTheLockPushesFreshAddresses(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	web, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	go func() { _ = d.Ports.WithLock(ctx, func(context.Context) error { close(held); <-release; return nil }) }()
	<-held
	done := make(chan error)
	go func() { _, err := d.SyncGateway(ctx); done <- err }()
	time.Sleep(2 * time.Second) // the sync read the addresses and waits for the lock
	if err := d.Client.StopGuest(ctx, web.Node, web.VMID); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.StartGuest(ctx, web.Node, web.VMID); err != nil {
		t.Fatal(err)
	}
	now, err := d.waitAddress(ctx, web.Node, web.VMID)
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	served, problem := d.ServedRoutes(ctx, gw.Node, gw.VMID)
	t.Logf("web now %s (was %s); served %+v %s", now, web.IP, served, problem)
	for _, r := range served {
		if r.VMID == web.VMID && !strings.HasPrefix(r.Backend, now+":") {
			t.Errorf("the sync took the lock after the address changed and pushed the old one: %s", r.Backend)
		}
	}
}

// Review 2, A5: an app already on the isolated network, gateway destroyed (network
// kept for it): a firewall change (net0 rewritten) is refused.
func TestAnAppOnTheKeptNetworkChangesItsFirewallWithoutAGateway(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "inside", Bridge: IsolatedVnet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.DestroyGateway(ctx, gw.Node, gw.VMID, gw.Identity); err != nil {
		t.Fatal(err)
	}
	c := Change{CatalogID: "nginx", Hostname: "inside", Identity: app.Identity, PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		Network: &Network{Bridge: IsolatedVnet, IP: "dhcp", Options: &NetworkOptions{Firewall: true}}}
	_, err = d.Update(ctx, app.Node, app.VMID, c)
	t.Logf("firewall change of an app on the kept network: %v", err)
	if err != nil {
		t.Errorf("an app already on the isolated network cannot change its firewall without a gateway: %v", err)
	}
}

// Review 2, A2: Proximity's network removed but the removal not applied (a destroy
// interrupted before its PUT /cluster/sdn); the next gateway create.
func TestAnUnappliedRemovalOfTheNetworkIsUndoneByTheNextCreate(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	installDnsmasq(t, d)
	layout, _ := LayoutIsolated("10.20.0.0/24")
	if err := d.ensureIsolated(ctx, layout); err != nil {
		t.Fatal(err)
	}
	subnets, err := d.Client.SDNSubnets(ctx, IsolatedVnet)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subnets {
		if err := d.Client.DeleteSDNSubnet(ctx, IsolatedVnet, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Client.DeleteSDNVnet(ctx, IsolatedVnet); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.DeleteSDNZone(ctx, IsolatedZone); err != nil {
		t.Fatal(err)
	}
	err = d.CheckIsolatedNetwork(ctx, "10.20.0.0/24")
	t.Logf("plan check with the network's removal pending: %v", err)
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity(), IsolatedCIDR: "10.20.0.0/24"})
	t.Logf("create: CT %d, %v", gw.VMID, err)
	for _, s := range gw.Log {
		t.Logf("  %s", s.String())
	}
	v, found, verr := d.Client.SDNVnetByID(ctx, IsolatedVnet)
	t.Logf("vnet after: %+v found=%v %v", v, found, verr)
	if err != nil || !found {
		t.Errorf("a create after an unapplied removal did not end with a network")
	}
}
