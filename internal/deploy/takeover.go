package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TakeOver deploys a catalog app into an existing container that Proximity
// did not create (an imported one): it takes a pair of ports (the one its
// tags record when an earlier attempt got that far), records the app and
// the pair in its tags, and runs the app as a create would, from the start
// of the container on. Every step is safe to repeat after a failure.
func (d *Service) TakeOver(ctx context.Context, node string, vmid int, spec Spec) (app App, err error) {
	var log stepLog
	defer func() { app.Log = log.steps }()
	defer d.invalidate()
	entry, err := d.CatalogApp(spec.CatalogID)
	if err != nil {
		return app, err
	}
	compose, err := RenderCompose(ctx, entry, spec.Environment)
	if err != nil {
		return app, err
	}
	app.Node, app.VMID = node, vmid
	o, err := d.Observe(ctx, node, vmid)
	if err != nil {
		return app, err
	}
	if o.Gone {
		return app, fmt.Errorf("CT %d on %s is gone", vmid, node)
	}
	app.Memory, app.Cores, app.DiskGB, app.Storage = o.Memory, o.Cores, o.DiskGB, o.Storage
	if err := log.run(ctx, "allocate ports", func() (string, error) {
		if o.PublicPort != 0 && o.InternalPort != 0 {
			a, err := d.Ports.Adopt(ctx, spec.Hostname, o.PublicPort, o.InternalPort)
			app.PublicPort, app.InternalPort, app.AllocationID = a.PublicPort, a.InternalPort, a.ID
			return fmt.Sprintf("public %d, internal %d, recorded on the container by an earlier attempt", a.PublicPort, a.InternalPort), err
		}
		guests, err := d.Client.ClusterGuests(ctx)
		if err != nil {
			return "", err
		}
		a, _, err := d.Ports.AllocateForApplication(ctx, spec.Hostname, taggedGuests(guests))
		app.PublicPort, app.InternalPort, app.AllocationID = a.PublicPort, a.InternalPort, a.ID
		return fmt.Sprintf("public %d, internal %d", a.PublicPort, a.InternalPort), err
	}); err != nil {
		return app, err
	}
	if err := log.run(ctx, "record the app on the container", func() (string, error) {
		app.Identity = NewIdentity()
		tags := ownTags(spec.Tags, entry.ID, app.Identity, app.PublicPort, app.InternalPort, false)
		return tags.String(), d.Client.UpdateContainerConfig(ctx, node, vmid, pveclient.ContainerConfigUpdate{Tags: tags})
	}); err != nil {
		return app, err
	}
	app, err = d.finish(ctx, spec, entry, compose, app, &log, false)
	return app, err
}
