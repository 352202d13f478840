package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// ServicesMaxAge bounds how long the reads of a refresh share one read of
// a node's services: Terraform refreshes resources concurrently (up to
// -parallelism), so the first read of a node asks for every running app
// of Proximity there and the others find theirs in it. A refresh of many
// apps costs one SSH session per node. Every change this process makes
// drops it (Service.invalidate).
var ServicesMaxAge = time.Minute

// ServicesCache holds the last services read of each node. Its zero value
// is ready; a nil one shares nothing (every read asks its node alone).
type ServicesCache struct {
	mu    sync.Mutex // guards nodes
	nodes map[string]*nodeServices
}

// nodeServices is one node's read; its turn is held while the node is
// read, so that concurrent readers of the node wait for one SSH session,
// each only as long as its own context allows.
type nodeServices struct {
	turn   chan struct{} // one token: whoever holds it reads or uses byVMID
	taken  time.Time
	byVMID map[int]servicesRead
}

func (c *ServicesCache) node(name string) *nodeServices {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes == nil {
		c.nodes = map[string]*nodeServices{}
	}
	if c.nodes[name] == nil {
		c.nodes[name] = &nodeServices{turn: make(chan struct{}, 1)}
	}
	return c.nodes[name]
}

// lock waits for the node's turn, or for ctx to end.
func (ns *nodeServices) lock(ctx context.Context) error {
	select {
	case ns.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (ns *nodeServices) unlock() { <-ns.turn }

// drop forgets every node's read.
func (c *ServicesCache) drop() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodes = nil
}

// ReadServices reads the compose services of the app of catalogID in CT
// vmid on node, a running container, through the node's shared read.
// known is false when the services cannot be read at all: no SSH is
// configured, or the catalog no longer has the app.
func (d *Service) ReadServices(ctx context.Context, node string, vmid int, catalogID string) (services []ServiceState, known bool, err error) {
	services, _, known, err = d.ReadServicesHealth(ctx, node, vmid, catalogID)
	return services, known, err
}

// ReadServicesHealth is ReadServices with the result of the app's health
// check, which the same node read runs (health_check.go); nil when the app
// has none.
func (d *Service) ReadServicesHealth(ctx context.Context, node string, vmid int, catalogID string) (
	services []ServiceState, health *HealthResult, known bool, err error,
) {
	entry, ok := d.Catalog.Get(catalogID)
	if d.Nodes == nil || !ok {
		return nil, nil, false, nil
	}
	if d.Services == nil {
		return d.ReadAppServicesHealth(ctx, node, vmid, catalogID)
	}
	ns := d.Services.node(node)
	if err := ns.lock(ctx); err != nil {
		return nil, nil, true, fmt.Errorf("waiting for the services read of node %s: %w", node, err)
	}
	defer ns.unlock()
	if time.Since(ns.taken) > ServicesMaxAge {
		ns.byVMID = nil
	}
	r, ok := ns.byVMID[vmid]
	if !ok || r.catalogID != catalogID {
		r = d.readNode(ctx, ns, node, vmid, entry)
	}
	var docker *DockerError
	if errors.As(r.err, &docker) {
		// Read again, alone, before the app reads degraded: a docker ps
		// that failed in the shared read (this app's or another's) may
		// have met a passing fault.
		services, health, known, err := d.ReadAppServicesHealth(ctx, node, vmid, catalogID)
		ns.byVMID[vmid] = servicesRead{catalogID: catalogID, services: services, health: health, err: err}
		return services, health, known, err
	}
	return r.services, r.health, true, r.err
}

// readNode reads the services of the app in CT vmid and of every other
// running app of Proximity on node, in one session, and keeps them in
// ns (whose lock the caller holds).
func (d *Service) readNode(ctx context.Context, ns *nodeServices, node string, vmid int, entry *catalog.App) servicesRead {
	apps := append(d.appsOn(ctx, node, vmid), servicesApp{vmid: vmid, entry: entry})
	reads, err := d.readServicesOn(ctx, node, apps)
	if err != nil && ctx.Err() != nil {
		// This reader's own deadline or cancel: not the node's answer,
		// so not kept for the other readers, who have their own.
		return servicesRead{catalogID: entry.ID, err: err}
	}
	if err != nil {
		// Kept for the run like a result: the other reads of the node
		// fail at once instead of each waiting on an unreachable node.
		reads = map[int]servicesRead{}
		for _, a := range apps {
			reads[a.vmid] = servicesRead{catalogID: a.entry.ID, err: err}
		}
	}
	if ns.byVMID == nil {
		ns.byVMID, ns.taken = map[int]servicesRead{}, time.Now()
	}
	for id, r := range reads {
		ns.byVMID[id] = r
	}
	return reads[vmid]
}

// appsOn is every other running app of Proximity on node, as the shared
// cluster listing has them; none without one, or when it cannot be had
// (the asked app is read alone then).
func (d *Service) appsOn(ctx context.Context, node string, except int) []servicesApp {
	if d.Snapshot == nil {
		return nil
	}
	guests, err := d.Snapshot.Guests(ctx)
	if err != nil {
		return nil
	}
	var apps []servicesApp
	for _, g := range guests {
		if g.Node != node || g.Type != "lxc" || g.Status != "running" || g.VMID == except || !slices.Contains(g.Tags, TagProximity) {
			continue
		}
		for _, tag := range g.Tags {
			if id, ok := strings.CutPrefix(tag, TagApp); ok {
				if entry, ok := d.Catalog.Get(id); ok {
					apps = append(apps, servicesApp{vmid: g.VMID, entry: entry})
				}
			}
		}
	}
	slices.SortFunc(apps, func(a, b servicesApp) int { return a.vmid - b.vmid })
	return apps
}

// ReadAppServices reads the services of one app now, in a session of its
// own: after an apply changed them, not shared with anything. A docker ps
// that fails is tried again like every command the pipeline runs in a
// container (retryCommand): one failed read of a working Docker is not
// drift, while a broken Docker fails every attempt and reads degraded.
func (d *Service) ReadAppServices(ctx context.Context, node string, vmid int, catalogID string) (services []ServiceState, known bool, err error) {
	services, _, known, err = d.ReadAppServicesHealth(ctx, node, vmid, catalogID)
	return services, known, err
}

// ReadAppServicesHealth is ReadAppServices with the app's health check.
func (d *Service) ReadAppServicesHealth(ctx context.Context, node string, vmid int, catalogID string) (
	services []ServiceState, health *HealthResult, known bool, err error,
) {
	entry, ok := d.Catalog.Get(catalogID)
	if d.Nodes == nil || !ok {
		return nil, nil, false, nil
	}
	var read servicesRead
	var sessionErr error
	_ = retryCommand(ctx, func() error {
		reads, err := d.readServicesOn(ctx, node, []servicesApp{{vmid: vmid, entry: entry}})
		if err != nil {
			// The node's SSH failed, after nodeshell's own tries.
			sessionErr = err
			return nil
		}
		read = reads[vmid]
		return read.err
	})
	if sessionErr != nil {
		return nil, nil, true, sessionErr
	}
	return read.services, read.health, true, read.err
}
