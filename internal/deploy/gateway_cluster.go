package deploy

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// GatewayGuest is the cluster's gateway container as the listing shows it.
type GatewayGuest struct {
	VMID     int
	Node     string
	Identity string
	// Stopped is the listing's word that it does not run: a sync skips
	// it (pct push needs a running container), and its own apply starts it.
	Stopped bool
}

// findGateways lists the gateway containers of the cluster whose create
// finished, lowest VMID first.
func findGateways(guests []pveclient.ClusterGuest) []GatewayGuest {
	var out []GatewayGuest
	for _, g := range guests {
		if slices.Contains(g.Tags, TagGateway) && slices.Contains(g.Tags, TagProximity) && !slices.Contains(g.Tags, TagDeploying) {
			out = append(out, GatewayGuest{VMID: g.VMID, Node: g.Node, Identity: identityOf(g.Tags), Stopped: g.Status == "stopped"})
		}
	}
	slices.SortFunc(out, func(a, b GatewayGuest) int { return a.VMID - b.VMID })
	return out
}

// addressReaders bounds the concurrent address reads of one route sync,
// so that a hundred apps do not open a hundred connections at once.
const addressReaders = 8

// addresses are the apps' current IPv4 addresses by VMID, and the VMIDs
// whose address could not be read (a node that does not answer).
type addresses struct {
	ip     map[int]string
	unread map[int]error
}

// addressBudget bounds the address reads of one sync or plan together:
// they run under the allocation lock, whose budget a silent node must not
// exhaust with its retries; what is not read by then is unread.
const addressBudget = 20 * time.Second

// readAddresses reads the current IPv4 address of every app container the
// gateway may publish (one interfaces call each, concurrently); a stopped
// container has none, and one deleted since the listing is left out. A
// container the listing shows in status unknown (pvestatd has not heard
// from its node) is not asked: it is unread, as is one whose read fails or
// does not finish within addressBudget.
func (d *Service) readAddresses(ctx context.Context, guests []pveclient.ClusterGuest) addresses {
	out := addresses{ip: map[int]string{}, unread: map[int]error{}}
	ctx, cancel := context.WithTimeout(ctx, addressBudget)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		turn = make(chan struct{}, addressReaders)
	)
	for _, c := range routeCandidates(guests) {
		if c.guest.Status == "unknown" {
			out.unread[c.guest.VMID] = fmt.Errorf("CT %d on %s: its node's status is unknown to the cluster", c.guest.VMID, c.guest.Node)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			turn <- struct{}{}
			defer func() { <-turn }()
			ip, err := d.Client.GuestIPv4(ctx, c.guest.Node, c.guest.VMID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case pveclient.IsNotFound(err):
			case err != nil:
				out.unread[c.guest.VMID] = fmt.Errorf("reading the address of CT %d on %s: %w", c.guest.VMID, c.guest.Node, err)
			case ip != "":
				out.ip[c.guest.VMID] = ip
			}
		}()
	}
	wg.Wait()
	return out
}

// ClusterRoutes is what the gateway should serve now: one cluster listing
// and the addresses of the apps it lists. An app whose address cannot be
// read keeps the route served holds for it (an unanswering node must not
// take every app's route down); unread lists them. It reads, it writes
// nothing, so a plan may call it.
func (d *Service) ClusterRoutes(ctx context.Context, served []Route) (routes []Route, gateways []GatewayGuest, unread []int, err error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	a := d.readAddresses(ctx, guests)
	routes, unread = routesKeeping(GatewayRoutes(guests, a.ip, d.Catalog), served, a.unread)
	return routes, findGateways(guests), unread, nil
}

// routesKeeping adds to routes the served routes of the apps whose address
// could not be read, unless their ports went to another app meanwhile.
func routesKeeping(routes, served []Route, unread map[int]error) ([]Route, []int) {
	var kept []int
	for vmid := range unread {
		kept = append(kept, vmid)
	}
	slices.Sort(kept)
	used := map[int]bool{}
	for _, r := range routes {
		used[r.PublicPort], used[r.InternalPort] = true, true
	}
	for _, r := range served {
		if _, ok := unread[r.VMID]; ok && !used[r.PublicPort] && !used[r.InternalPort] {
			routes = append(routes, r)
		}
	}
	slices.SortFunc(routes, func(a, b Route) int { return a.PublicPort - b.PublicPort })
	return routes, kept
}

// FindGateway finds the gateway container an import names: its VMID, on
// node when given. A container that is not a finished Proximity gateway
// is refused, naming what it is.
func (d *Service) FindGateway(ctx context.Context, node string, vmid int) (GatewayGuest, error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return GatewayGuest{}, err
	}
	for _, g := range guests {
		if g.VMID != vmid || (node != "" && g.Node != node) {
			continue
		}
		if gws := findGateways([]pveclient.ClusterGuest{g}); len(gws) == 1 && gws[0].Identity != "" {
			return gws[0], nil
		}
		return GatewayGuest{}, fmt.Errorf("CT %d on %s is not a Proximity gateway (tags %v: it needs %s, %s and a %s tag, without %s); "+
			"import a proximity_application for an app container", vmid, g.Node, g.Tags, TagProximity, TagGateway, TagID, TagDeploying)
	}
	where := "the cluster"
	if node != "" {
		where = "node " + node
	}
	return GatewayGuest{}, fmt.Errorf("%s has no container %d", where, vmid)
}

// Gateways lists the cluster's finished gateway containers (one listing).
func (d *Service) Gateways(ctx context.Context) ([]GatewayGuest, error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return nil, err
	}
	return findGateways(guests), nil
}
