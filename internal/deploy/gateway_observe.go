package deploy

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// ObserveGateway reads the gateway container: its settings from the API,
// its address, and the routes its proxy serves from its configuration
// file (one pct exec cat, which writes nothing). A container under the
// VMID that is not this gateway (no px-gateway tag, another identity) is
// Gone: the state loses it and nothing touches it. A gateway migrated to
// another node is followed through the cluster listing.
func (d *Service) ObserveGateway(ctx context.Context, node string, vmid int, identity string) (Gateway, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		moved, found, ferr := d.findMovedGateway(ctx, vmid, identity)
		if ferr != nil || !found {
			return Gateway{Gone: !found}, ferr
		}
		node = moved
		cfg, err = d.Client.ContainerConfig(ctx, node, vmid)
	}
	if pveclient.IsNotFound(err) {
		return Gateway{Gone: true}, nil
	}
	if err != nil {
		return Gateway{}, err
	}
	if !slices.Contains(cfg.Tags, TagGateway) || identityOf(cfg.Tags) != identity {
		return Gateway{Gone: true}, nil
	}
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil {
		return Gateway{}, err
	}
	net0 := cfg.Networks[0]
	gw := Gateway{VMID: vmid, Node: node, Identity: identity, Hostname: cfg.Hostname, Memory: cfg.Memory,
		Bridge: net0.Bridge, IPConfig: net0.IP, Gateway: net0.Gateway, Running: st.Status == "running"}
	if cfg.RootFS != nil {
		gw.Storage = cfg.RootFS.Storage()
	}
	if net1, ok := cfg.Networks[1]; ok && net1.Bridge == IsolatedVnet {
		if p, err := netip.ParsePrefix(net1.IP); err == nil {
			gw.IsolatedCIDR = p.Masked().String()
		}
	}
	if gw.Running {
		if gw.IP, err = d.Client.GuestIPv4(ctx, node, vmid); err != nil {
			return Gateway{}, err
		}
	}
	d.readServedRoutes(ctx, &gw)
	return gw, nil
}

// readServedRoutes reads the routes of the gateway's configuration file.
// A stopped gateway serves none; a file that cannot be read (no SSH, a
// node that does not answer) leaves RoutesKnown false with the reason.
func (d *Service) readServedRoutes(ctx context.Context, gw *Gateway) {
	if !gw.Running {
		gw.RoutesKnown = true
		return
	}
	if d.Nodes == nil {
		gw.RoutesProblem = ErrGatewayNeedsSSH.Error()
		return
	}
	out, err := d.output(ctx, gw.Node, gw.VMID, "sh", "-c", servedRoutesScript)
	if err != nil {
		gw.RoutesProblem = fmt.Sprintf("reading %s in CT %d: %v", GatewayConfigPath, gw.VMID, err)
		return
	}
	config, status, _ := strings.Cut(out, servedStatusMarker)
	gw.RoutesKnown = true
	if gw.ProxyRunning = strings.TrimSpace(status) == "running"; gw.ProxyRunning {
		gw.Routes = ParseGatewayRoutes([]byte(config))
	}
}

// servedRoutesScript prints the configuration file and whether HAProxy
// runs: a stopped proxy serves nothing, whatever its file says. It reads
// only.
const (
	servedStatusMarker = "\n@@ haproxy "
	servedRoutesScript = "cat " + GatewayConfigPath + "; printf '\\n@@ haproxy '; " +
		"if rc-service haproxy status >/dev/null 2>&1; then echo running; else echo stopped; fi"
)

// findMovedGateway looks for the gateway under its VMID on another node.
func (d *Service) findMovedGateway(ctx context.Context, vmid int, identity string) (string, bool, error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return "", false, err
	}
	for _, g := range guests {
		if g.VMID == vmid && slices.Contains(g.Tags, TagGateway) && identityOf(g.Tags) == identity {
			return g.Node, true, nil
		}
	}
	return "", false, nil
}

// GatewayChange is an update in place of a gateway.
type GatewayChange struct {
	Memory   *int
	Hostname string // "": unchanged
}

// UpdateGateway changes the gateway's memory and hostname in place (PVE
// applies a hostname inside the container at its next start, as for any
// container), starts it when it was stopped, reads its address (ip), then
// syncs its routes, which is how an apply repairs routes that went stale.
func (d *Service) UpdateGateway(ctx context.Context, node string, vmid int, identity string, c GatewayChange) (GatewaySync, string, error) {
	defer d.invalidate()
	if c.Memory != nil || c.Hostname != "" {
		if err := d.Client.UpdateContainerConfig(ctx, node, vmid, pveclient.ContainerConfigUpdate{Memory: c.Memory, Hostname: c.Hostname}); err != nil {
			return GatewaySync{}, "", err
		}
	}
	// A gateway stopped out of band serves nothing: its apply starts it.
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil {
		return GatewaySync{}, "", err
	}
	ip := ""
	if st.Status != "running" {
		if err := d.Client.StartGuest(ctx, node, vmid); err != nil {
			return GatewaySync{}, "", err
		}
		if ip, err = d.waitAddress(ctx, node, vmid); err != nil {
			return GatewaySync{}, "", err
		}
	}
	if ip == "" {
		if ip, err = d.Client.GuestIPv4(ctx, node, vmid); err != nil {
			return GatewaySync{}, "", err
		}
	}
	sync, err := d.syncRoutes(ctx, &GatewayGuest{VMID: vmid, Node: node, Identity: identity})
	return sync, ip, err
}

// DestroyGateway stops and destroys the gateway container, after checking
// that the container under its VMID is still this gateway. The apps keep
// running on their own addresses. A container already gone is fine.
func (d *Service) DestroyGateway(ctx context.Context, node string, vmid int, identity string) (kept string, err error) {
	defer d.invalidate()
	gw, err := d.ObserveGateway(ctx, node, vmid, identity)
	if err != nil || gw.Gone {
		return "", err
	}
	if err := d.requireQuorum(ctx, gw.Node, vmid); err != nil {
		return "", err
	}
	if err := d.Client.ShutdownGuest(ctx, gw.Node, vmid, 30); err != nil && !pveclient.IsNotFound(err) {
		if err := d.Client.StopGuest(ctx, gw.Node, vmid); err != nil && !pveclient.IsNotFound(err) {
			return "", err
		}
	}
	if err := d.Client.DeleteGuest(ctx, gw.Node, vmid); err != nil && !pveclient.IsNotFound(err) {
		return "", fmt.Errorf("destroying the gateway CT %d on %s: %w", vmid, gw.Node, err)
	}
	if gw.IsolatedCIDR == "" {
		return "", nil
	}
	// The isolated network goes with its last guest; apps still on it
	// keep it (and a later gateway finds it).
	kept, err = d.removeIsolatedIfUnused(ctx)
	if err != nil {
		return "", fmt.Errorf("the gateway CT %d is destroyed, but its unused isolated network could not be removed: %w", vmid, err)
	}
	return kept, nil
}

// DescribeRoute is a route as a person reads it in a message.
func DescribeRoute(r Route) string {
	return fmt.Sprintf("%d and %d -> CT %d at %s", r.PublicPort, r.InternalPort, r.VMID, r.Backend)
}

// RouteDifferences lists what serving want instead of have changes, one
// line per route, for a plan's message.
func RouteDifferences(have, want []Route) []string {
	var out []string
	byPort := map[int]Route{}
	for _, r := range have {
		byPort[r.PublicPort] = r
	}
	for _, w := range want {
		h, ok := byPort[w.PublicPort]
		switch {
		case !ok:
			out = append(out, "missing: "+DescribeRoute(w))
		case !h.Serves(w):
			out = append(out, "stale: "+DescribeRoute(h)+", now "+DescribeRoute(w))
		}
		delete(byPort, w.PublicPort)
	}
	for _, h := range have {
		if _, left := byPort[h.PublicPort]; left {
			out = append(out, "no longer an app: "+DescribeRoute(h))
		}
	}
	return out
}

// ServedRoutes reads the routes the gateway serves now, from its
// configuration file (one pct exec cat: a plan may call it). ok is false
// with the reason when they could not be read.
func (d *Service) ServedRoutes(ctx context.Context, node string, vmid int) (routes []Route, problem string) {
	gw := Gateway{Node: node, VMID: vmid, Running: true}
	d.readServedRoutes(ctx, &gw)
	return gw.Routes, gw.RoutesProblem
}

// GatewayRunning reads whether the gateway container runs (one status
// call): a plan tells a stopped gateway from a running one without an
// address.
func (d *Service) GatewayRunning(ctx context.Context, node string, vmid int) (bool, error) {
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	return st.Status == "running", err
}
