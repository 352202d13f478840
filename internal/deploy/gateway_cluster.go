package deploy

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// GatewayGuest is the cluster's gateway container as the listing shows it.
type GatewayGuest struct {
	VMID     int
	Node     string
	Identity string
}

// findGateways lists the gateway containers of the cluster whose create
// finished, lowest VMID first.
func findGateways(guests []pveclient.ClusterGuest) []GatewayGuest {
	var out []GatewayGuest
	for _, g := range guests {
		if slices.Contains(g.Tags, TagGateway) && slices.Contains(g.Tags, TagProximity) && !slices.Contains(g.Tags, TagDeploying) {
			out = append(out, GatewayGuest{VMID: g.VMID, Node: g.Node, Identity: identityOf(g.Tags)})
		}
	}
	slices.SortFunc(out, func(a, b GatewayGuest) int { return a.VMID - b.VMID })
	return out
}

// addressReaders bounds the concurrent address reads of one route sync,
// so that a hundred apps do not open a hundred connections at once.
const addressReaders = 8

// appAddresses reads the current IPv4 address of every app container the
// gateway may publish (one interfaces call each, concurrently); a stopped
// container has none, and one deleted since the listing is left out.
func (d *Service) appAddresses(ctx context.Context, guests []pveclient.ClusterGuest) (map[int]string, error) {
	candidates := routeCandidates(guests)
	var (
		mu      sync.Mutex
		out     = make(map[int]string, len(candidates))
		wg      sync.WaitGroup
		firstEr error
		turn    = make(chan struct{}, addressReaders)
	)
	for _, c := range candidates {
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
				if firstEr == nil {
					firstEr = fmt.Errorf("reading the address of CT %d on %s: %w", c.guest.VMID, c.guest.Node, err)
				}
			case ip != "":
				out[c.guest.VMID] = ip
			}
		}()
	}
	wg.Wait()
	return out, firstEr
}

// ClusterRoutes is what the gateway should serve now: one cluster listing
// and the addresses of the apps it lists. It reads, it writes nothing, so a
// plan may call it.
func (d *Service) ClusterRoutes(ctx context.Context) ([]Route, []GatewayGuest, error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return nil, nil, err
	}
	addresses, err := d.appAddresses(ctx, guests)
	if err != nil {
		return nil, nil, err
	}
	return GatewayRoutes(guests, addresses, d.Catalog), findGateways(guests), nil
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
