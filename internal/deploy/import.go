package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
)

// FindForImport reads the container an import names. With a node, that
// node must hold it: one that does not is refused with where the container
// is. Without one (a bare VMID), the cluster listing (/cluster/resources)
// finds its node.
func (d *Service) FindForImport(ctx context.Context, node string, vmid int) (string, Observed, error) {
	found, o, err := d.findForImport(ctx, node, vmid)
	if err == nil && o.IsGateway {
		// Taken over as an app, it would lose its px-gateway tag and get
		// Docker: the gateway is imported as what it is.
		err = fmt.Errorf("CT %d on %s is the cluster's Proximity gateway, not an application: import it as a proximity_gateway "+
			"(terraform import proximity_gateway.<name> %s/%d)", vmid, found, found, vmid)
	}
	return found, o, err
}

func (d *Service) findForImport(ctx context.Context, node string, vmid int) (string, Observed, error) {
	if node != "" {
		o, err := d.Observe(ctx, node, vmid)
		if err != nil || !o.Gone {
			return node, o, err
		}
	}
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return "", Observed{}, fmt.Errorf("looking for guest %d in the cluster: %w", vmid, err)
	}
	for _, g := range guests {
		switch {
		case g.VMID != vmid:
			continue
		case g.Type != "lxc":
			return "", Observed{}, fmt.Errorf("guest %d on node %s is a virtual machine (%s), not a container", vmid, g.Node, g.Type)
		case node != "" && g.Node != node:
			return "", Observed{}, fmt.Errorf("CT %d is on node %s, not %s: import it as %s/%d, or as %d", vmid, g.Node, node, g.Node, vmid, vmid)
		}
		o, err := d.Observe(ctx, g.Node, vmid)
		if err == nil && o.Gone {
			err = fmt.Errorf("CT %d on %s was removed while it was being imported", vmid, g.Node)
		}
		return g.Node, o, err
	}
	if node != "" {
		return "", Observed{}, fmt.Errorf("no container %d on node %s, nor on any other node of the cluster", vmid, node)
	}
	return "", Observed{}, fmt.Errorf("no container %d in the cluster", vmid)
}

// Imported is what an import of a Proximity application learns beyond
// what Observe reads.
type Imported struct {
	// AllocationID is the allocation of a pair the app took for itself,
	// which its destroy releases.
	AllocationID string
	// PortAllocationID is the proximity_port_allocation whose pair the app
	// runs on (the configuration's port_allocation_id); the app does not own
	// it, and its destroy leaves it.
	PortAllocationID string
	// Environment is the configuration's environment as far as the
	// container tells it (see importedEnvironment); nil when it has none.
	// SecretEnvironment holds the part of it that looks secret
	// (SplitEnvironment), which stays out of Environment.
	Environment       map[string]string
	SecretEnvironment map[string]string
	// GeneratedSecrets are the values the app runs with for the catalog's
	// secrets: generated ones, which stay out of Environment.
	GeneratedSecrets map[string]string
	// EnvironmentUnread says why the environment was not read; "" when it was.
	EnvironmentUnread string
}

// Import reads what the state of an imported application needs beyond its
// container's config: whose its port pair is, and its environment.
func (d *Service) Import(ctx context.Context, node string, vmid int, o Observed) (Imported, error) {
	var im Imported
	var err error
	if im.AllocationID, im.PortAllocationID, err = d.importPorts(ctx, o); err != nil {
		return im, err
	}
	entry, err := d.CatalogApp(o.CatalogID)
	switch {
	case err != nil:
		im.EnvironmentUnread = err.Error()
	case !o.Running:
		// pct exec needs a running container.
		im.EnvironmentUnread = fmt.Sprintf("CT %d is stopped", vmid)
	default:
		// A failed read leaves the environment out and says so: the plan
		// then shows the configured one as a change, never a silent
		// fallback to the catalog's defaults. The error itself may quote
		// the file, secrets and all, so it is not passed on.
		if im.Environment, im.GeneratedSecrets, err = d.importedEnvironment(ctx, entry, node, vmid); err != nil {
			im.EnvironmentUnread = fmt.Sprintf("%s/compose.yaml in CT %d could not be read", appDir(entry), vmid)
		}
		im.Environment, im.SecretEnvironment = SplitEnvironment(entry, im.Environment)
	}
	return im, nil
}

// importPorts tells whose the pair an application's container records is,
// by the allocation table, and only reads it: an import runs during a plan
// when an import block asks for it, and a plan writes nothing. An entry
// without an application is a proximity_port_allocation's
// (allocstore.Allocation.Application), which the app only uses; an entry of
// the app's own is its allocation. A pair the table does not hold (a table
// on another machine, or lost) stays out of it: the container's px-pub- and
// px-int- tags already keep every allocation from handing it out, and they
// go with the container, so there is nothing for a destroy to release.
func (d *Service) importPorts(ctx context.Context, o Observed) (allocationID, portAllocationID string, err error) {
	if o.CatalogID == "" {
		return "", "", nil
	}
	if o.PublicPort < 1 || o.PublicPort > 65535 || o.InternalPort < 1 || o.InternalPort > 65535 {
		return "", "", fmt.Errorf("CT records ports %d and %d; a port is between 1 and 65535: fix its %s and %s tags",
			o.PublicPort, o.InternalPort, allocstore.PublicTagPrefix, allocstore.InternalTagPrefix)
	}
	a, ok, err := d.Ports.Find(ctx, o.PublicPort)
	switch {
	case err != nil:
		return "", "", err
	case !ok:
		return "", "", nil
	case a.InternalPort != o.InternalPort:
		return "", "", fmt.Errorf("the container records ports %d and %d, but the allocation table gives public port %d "+
			"with internal port %d (allocation %s): fix the container's tags or the table", o.PublicPort, o.InternalPort, a.PublicPort, a.InternalPort, a.ID)
	case a.Application == "":
		return "", a.ID, nil
	default:
		return a.ID, "", nil
	}
}

// importedEnvironment is the environment an application runs with, read
// from its compose project in the container, as a configuration writes it:
// only the keys whose value is not the catalog's default (and those the
// catalog does not have). A key configured with its default value cannot be
// told from one left unset, so it is left out. A secret of the catalog
// with a value in the shape Proximity generates comes back apart, as the
// generated value it is (importedSecrets).
func (d *Service) importedEnvironment(
	ctx context.Context, entry *catalog.App, node string, vmid int,
) (env, secrets map[string]string, err error) {
	running, err := d.runningEnvironment(ctx, entry, node, vmid)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range running {
		if def, known := entry.Environment[k]; (known && def == v) || CheckEnvironmentName(k) != "" || isGenerated(entry, k, v) {
			continue
		}
		if env == nil {
			env = map[string]string{}
		}
		env[k] = v
	}
	return env, importedSecrets(entry, running), nil
}
