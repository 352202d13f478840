package deploy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// AppURLs are where an application answers. With a gateway in the cluster
// and the app published, URL is the gateway's public port of the app and
// EmbedURL its internal port (framing allowed); DirectURL is always the
// app's main port on its own container. Without a gateway, URL is
// DirectURL and EmbedURL is empty: the pair is then only reserved.
type AppURLs struct {
	URL, EmbedURL, DirectURL string
}

// URLs is the one rule for an app's addresses. ip is the container's
// address ("" when unknown: then DirectURL is empty too).
func (d *Service) URLs(ctx context.Context, vmid int, catalogID, ip string, publicPort, internalPort int, published bool) (AppURLs, error) {
	var u AppURLs
	if entry, ok := d.Catalog.Get(catalogID); ok && ip != "" && entry.MainPort() > 0 {
		u.DirectURL = appURL(entry, ip)
	}
	u.URL = u.DirectURL
	// The gateway serves a route only to an app with an address (a
	// running one), so only such an app has its gateway URLs.
	if !published || publicPort == 0 || internalPort == 0 || u.DirectURL == "" {
		return u, nil
	}
	gw, err := d.gatewayAddress(ctx)
	if err != nil || gw == "" {
		return u, err
	}
	if lost, err := d.portLost(ctx, vmid, publicPort, internalPort); err != nil || lost {
		return u, err
	}
	u.URL = fmt.Sprintf("http://%s:%d", gw, publicPort)
	u.EmbedURL = fmt.Sprintf("http://%s:%d", gw, internalPort)
	return u, nil
}

// gatewayAddressAge is how long one lookup of the gateway's address serves
// the reads of a refresh; every change this process makes drops it.
const gatewayAddressAge = 10 * time.Second

// GatewayAddressCache shares one lookup of the gateway's address (a
// cluster listing, shared with the refresh's snapshot, and one interfaces
// call) between the reads of many apps.
type GatewayAddressCache struct {
	mu    sync.Mutex
	taken time.Time
	ip    string
	valid bool
}

func (c *GatewayAddressCache) drop() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.valid = false
}

// gatewayAddress is the IPv4 address of the cluster's gateway (the lowest
// VMID when there are several); "" when there is none or it is stopped.
func (d *Service) gatewayAddress(ctx context.Context) (string, error) {
	c := d.GatewayAddress
	if c == nil {
		return d.lookUpGatewayAddress(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && time.Since(c.taken) < gatewayAddressAge {
		return c.ip, nil
	}
	ip, err := d.lookUpGatewayAddress(ctx)
	if err != nil {
		return "", err
	}
	c.ip, c.taken, c.valid = ip, time.Now(), true
	return ip, nil
}

func (d *Service) lookUpGatewayAddress(ctx context.Context) (string, error) {
	guests, err := d.listGuests(ctx)
	if err != nil {
		return "", err
	}
	if gws := findGateways(guests); len(gws) > 0 {
		return d.Client.GuestIPv4(ctx, gws[0].Node, gws[0].VMID)
	}
	return "", nil
}

// listGuests is the cluster listing: the refresh's shared snapshot when
// there is one.
func (d *Service) listGuests(ctx context.Context) ([]pveclient.ClusterGuest, error) {
	if d.Snapshot != nil {
		return d.Snapshot.Guests(ctx)
	}
	return d.Client.ClusterGuests(ctx)
}

// portLost reports whether another running app with a lower VMID claims one
// of the app's ports (a restored copy beside its original): the gateway
// serves that one there (GatewayRoutes), so this app's URL is its own.
func (d *Service) portLost(ctx context.Context, vmid, publicPort, internalPort int) (bool, error) {
	guests, err := d.listGuests(ctx)
	if err != nil {
		return false, err
	}
	return losesPort(guests, vmid, publicPort, internalPort), nil
}

// losesPort is portLost's rule on a listing.
func losesPort(guests []pveclient.ClusterGuest, vmid, publicPort, internalPort int) bool {
	if publicPort == gatewayHealthPortNumber || internalPort == gatewayHealthPortNumber {
		return true // the gateway's own health port is never an app's route
	}
	for _, c := range routeCandidates(guests) {
		claims := c.publicPort == publicPort || c.internalPort == internalPort || c.publicPort == internalPort || c.internalPort == publicPort
		if c.guest.VMID < vmid && claims && c.guest.Status != "stopped" {
			return true
		}
	}
	return false
}
