package deploy

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Tags of the gateway and of an app that keeps out of it.
const (
	// TagGateway marks the cluster's gateway container (gateway_create.go).
	TagGateway = "px-gateway"
	// TagUnpublished marks an app whose configuration sets publish =
	// false: the gateway serves no route for it.
	TagUnpublished = "px-unpublished"
)

// Route is one application as the gateway serves it: its public port
// forwards to the app's main port on the container's address, and its
// internal port does the same with the headers that forbid framing
// removed, for dashboards that embed the app.
type Route struct {
	PublicPort   int
	InternalPort int
	VMID         int
	// Backend is ip:port of the app's main port in its container.
	Backend string
	// Hostname and CatalogID name the app in the configuration's comments;
	// they are not part of what the gateway serves.
	Hostname, CatalogID string
}

// Serves reports whether two routes forward the same ports to the same
// place, whatever they are called.
func (r Route) Serves(o Route) bool {
	return r.PublicPort == o.PublicPort && r.InternalPort == o.InternalPort && r.VMID == o.VMID && r.Backend == o.Backend
}

// routeCandidate is an application container as the cluster listing shows
// it, before its address is known.
type routeCandidate struct {
	guest                    pveclient.ClusterGuest
	catalogID                string
	publicPort, internalPort int
}

// routeCandidates picks the applications the gateway may publish from the
// cluster listing: Proximity's app containers whose create finished, with
// both ports, not opted out. Everything it needs is in the tags, which
// pmxcfs lists cluster-wide at once (unlike the status, which trails).
func routeCandidates(guests []pveclient.ClusterGuest) []routeCandidate {
	var out []routeCandidate
	for _, g := range guests {
		if g.Type != "" && g.Type != "lxc" {
			continue
		}
		c := routeCandidate{guest: g}
		proximity, skip := false, false
		for _, tag := range g.Tags {
			switch {
			case tag == TagProximity:
				proximity = true
			case tag == TagDeploying || tag == TagUnpublished || tag == TagGateway:
				skip = true
			case strings.HasPrefix(tag, TagApp):
				c.catalogID = strings.TrimPrefix(tag, TagApp)
			case strings.HasPrefix(tag, allocstore.PublicTagPrefix):
				c.publicPort, _ = strconv.Atoi(strings.TrimPrefix(tag, allocstore.PublicTagPrefix))
			case strings.HasPrefix(tag, allocstore.InternalTagPrefix):
				c.internalPort, _ = strconv.Atoi(strings.TrimPrefix(tag, allocstore.InternalTagPrefix))
			}
		}
		if proximity && !skip && c.catalogID != "" && c.publicPort > 0 && c.internalPort > 0 {
			out = append(out, c)
		}
	}
	return out
}

// GatewayRoutes is the gateway's whole configuration as a pure function of
// the cluster: one route per published application whose container has an
// address (addresses by VMID; a stopped one has none) and whose app the
// catalog knows (for its main port). Two containers that claim one port
// (a restored copy beside its original, say) cannot both be served: the
// lower VMID keeps it, so every run decides the same. Routes come sorted by
// public port.
func GatewayRoutes(guests []pveclient.ClusterGuest, addresses map[int]string, cat *catalog.Catalog) []Route {
	var routes []Route
	for _, c := range routeCandidates(guests) {
		ip := addresses[c.guest.VMID]
		entry, known := cat.Get(c.catalogID)
		if ip == "" || !known || entry.MainPort() == 0 {
			continue
		}
		routes = append(routes, Route{
			PublicPort: c.publicPort, InternalPort: c.internalPort, VMID: c.guest.VMID,
			Backend:  ip + ":" + strconv.Itoa(entry.MainPort()),
			Hostname: c.guest.Name, CatalogID: c.catalogID,
		})
	}
	slices.SortFunc(routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.PublicPort, b.PublicPort), cmp.Compare(a.VMID, b.VMID))
	})
	// The gateway's own health port is never an app's (a port range that
	// reaches down to it would otherwise share it).
	used := map[int]bool{gatewayHealthPortNumber: true}
	kept := routes[:0]
	for _, r := range routes {
		if used[r.PublicPort] || used[r.InternalPort] {
			continue
		}
		used[r.PublicPort], used[r.InternalPort] = true, true
		kept = append(kept, r)
	}
	return kept
}

// SameRoutes reports whether two route lists serve the same thing.
func SameRoutes(a, b []Route) bool {
	return slices.EqualFunc(a, b, Route.Serves)
}

// PublishTags are the tags a container gets for the user's tags and the
// app's publish setting: the user's, plus TagUnpublished when the app keeps
// out of the gateway. It travels with the user's tags, so every write of
// them (create, update, a move of the ports) keeps it.
func PublishTags(user []string, publish bool) []string {
	out := slices.DeleteFunc(slices.Clone(user), func(t string) bool { return t == TagUnpublished })
	if !publish {
		out = append(out, TagUnpublished)
	}
	return out
}
