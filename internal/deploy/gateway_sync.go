package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// GatewaySync is what one route sync did.
type GatewaySync struct {
	// Gateways are the gateway containers found (none: nothing to do).
	Gateways []GatewayGuest
	Routes   []Route
	// Reloaded are the VMIDs of the gateways whose configuration changed
	// and were reloaded; the others already served these routes.
	Reloaded []int
}

// SyncGateway makes every gateway of the cluster serve the cluster's
// routes. It runs under the allocation table's lock, so a sync never reads
// the ports of a create or a delete half done, and two runs' syncs come one
// after the other: the later one renders what both see. An app's create,
// update and delete call it; so does the gateway's own apply.
func (d *Service) SyncGateway(ctx context.Context) (GatewaySync, error) {
	return d.syncRoutes(ctx, nil)
}

// syncRoutes is SyncGateway; own, when set, is a gateway that is synced
// even if the listing does not show it yet (its own create).
func (d *Service) syncRoutes(ctx context.Context, own *GatewayGuest) (GatewaySync, error) {
	defer d.invalidate()
	var out GatewaySync
	// Without a gateway there is nothing to sync, and no lock to take: a
	// gateway created meanwhile syncs itself once its mark is off, after
	// this listing, so it sees what this run did.
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil || own == nil && len(findGateways(guests)) == 0 {
		return out, err
	}
	// Under the lock, the listing and the addresses are read again, so the
	// last sync to hold it renders the freshest cluster; a silent node's
	// apps are bounded by addressBudget and keep their served routes.
	err = d.Ports.WithLock(ctx, func(ctx context.Context) error {
		guests, err := d.Client.ClusterGuests(ctx)
		if err != nil {
			return err
		}
		a := d.readAddresses(ctx, guests)
		gateways := findGateways(guests)
		if own != nil && !slices.ContainsFunc(gateways, func(g GatewayGuest) bool { return g.VMID == own.VMID }) {
			gateways = append(gateways, *own)
		}
		routes := GatewayRoutes(guests, a.ip, d.Catalog)
		if len(a.unread) > 0 {
			if routes, err = d.keepServedRoutes(ctx, gateways, routes, a.unread); err != nil {
				return err
			}
		}
		out = GatewaySync{Gateways: gateways, Routes: routes}
		config := RenderGatewayConfig(routes)
		for _, g := range gateways {
			if g.Stopped && (own == nil || g.VMID != own.VMID) {
				continue // synced when it starts: its own apply starts it (UpdateGateway)
			}
			changed, err := d.pushGatewayConfig(ctx, g.Node, g.VMID, config)
			if err != nil {
				return err
			}
			if changed {
				out.Reloaded = append(out.Reloaded, g.VMID)
			}
		}
		return nil
	})
	return out, err
}

// keepServedRoutes keeps, for the apps whose address could not be read,
// the routes the first running gateway serves for them.
func (d *Service) keepServedRoutes(ctx context.Context, gateways []GatewayGuest, routes []Route, unread map[int]error) ([]Route, error) {
	var first error
	for _, e := range unread {
		first = e
		break
	}
	running := slices.IndexFunc(gateways, func(g GatewayGuest) bool { return !g.Stopped })
	if running < 0 {
		return routes, nil // no gateway is synced now: nothing to keep
	}
	served, problem := d.ServedRoutes(ctx, gateways[running].Node, gateways[running].VMID)
	if problem != "" {
		return nil, fmt.Errorf("%w; and the routes the gateway serves for it could not be read to keep them: %s", first, problem)
	}
	routes, _ = routesKeeping(routes, served, unread)
	return routes, nil
}

// Exit statuses of the sync script beyond the commands' own.
const (
	exitGatewayInvalid   = 90 // haproxy -c refused the new configuration
	exitGatewayTruncated = 91 // the pushed file is not what was sent
)

// pushGatewayConfig installs a configuration on a gateway in one SSH
// session, and only when it differs from the one there: it stages the
// content on the node as pushFile does, pushes it beside the live file,
// checks that it arrived whole (pct push hides a short copy), has haproxy
// validate it, moves it into place and reloads (a reload keeps the
// connections a restart would cut). A refused configuration leaves the
// live one serving.
func (d *Service) pushGatewayConfig(ctx context.Context, node string, vmid int, config []byte) (changed bool, err error) {
	sum := sha256.Sum256(config)
	want := hex.EncodeToString(sum[:])
	script := gatewaySyncScript(vmid, want)
	// A refused configuration is an answer, not a failure to retry: the
	// same bytes would be refused again.
	var refused error
	err = retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, script, strings.NewReader(string(config)))
		if err != nil {
			return err
		}
		out := strings.TrimSpace(res.Stdout + "\n" + res.Stderr)
		switch res.ExitCode {
		case 0:
			changed = !strings.Contains(res.Stdout, "@@ unchanged")
			return nil
		case exitGatewayInvalid:
			refused = fmt.Errorf("the gateway CT %d on %s refused its new configuration (haproxy -c): %s; "+
				"it keeps serving the previous one", vmid, node, out)
			return nil
		case exitGatewayTruncated:
			return fmt.Errorf("pushing the gateway configuration into CT %d on %s: the file arrived incomplete "+
				"(check the container's free disk space): %s", vmid, node, out)
		}
		return fmt.Errorf("updating the gateway configuration of CT %d on %s: exited %d: %s", vmid, node, res.ExitCode, out)
	})
	if err == nil {
		err = refused
	}
	return changed, err
}

// startHAProxy starts a HAProxy that does not run. OpenRC answers "already
// started" to a start of a service it marked started whose process died
// (status "crashed"), so its mark is reset first (zap, which a stopped
// service ignores).
const startHAProxy = `rc-service haproxy zap >/dev/null 2>&1; rc-service haproxy start`

// gatewaySyncScript is the node side of pushGatewayConfig. The content
// comes on stdin; want is its SHA-256.
func gatewaySyncScript(vmid int, want string) string {
	id := strconv.Itoa(vmid)
	live, next := Quote(GatewayConfigPath), Quote(GatewayConfigPath+".new")
	inside := strings.Join([]string{
		`set -- $(sha256sum < ` + next + `)`,
		`[ "$1" = ` + Quote(want) + ` ] || { echo "the pushed file has sha256 $1" >&2; exit ` + strconv.Itoa(exitGatewayTruncated) + `; }`,
		`haproxy -c -f ` + next + ` >&2 || { rm -f ` + next + `; exit ` + strconv.Itoa(exitGatewayInvalid) + `; }`,
		`mv ` + next + ` ` + live + ` || exit 1`,
		`if rc-service haproxy status >/dev/null 2>&1; then rc-service haproxy reload; else ` + startHAProxy + `; fi`,
	}, "\n")
	return strings.Join([]string{
		"stage=$(mktemp -d " + Quote(stagingParent+"/proximity-push.XXXXXXXXXX") + ") || exit 1",
		`trap 'rm -rf "$stage"' EXIT`,
		`file=$(mktemp "$stage/file.XXXXXX") || exit 1`,
		`cat > "$file" || exit 1`,
		`have=$(` + Command("pct", "exec", id, "--", "sh", "-c", `sha256sum < `+live+` 2>/dev/null`) + `)`,
		// The same file: written already; start HAProxy if it stopped.
		`case "$have" in ` + Quote(want) + `*) echo "@@ unchanged"; ` +
			Command("pct", "exec", id, "--", "sh", "-c", `rc-service haproxy status >/dev/null 2>&1 || { `+startHAProxy+`; }`) +
			`; exit $?;; esac`,
		Command("pct", "push", id) + ` "$file" ` + next + " --perms 0600 || exit $?",
		Command("pct", "exec", id, "--", "sh", "-c", inside),
	}, "\n")
}
