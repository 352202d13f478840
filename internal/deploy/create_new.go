package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// createAnew deploys the app into a container of its own, made from a
// template or restored from a backup: ports, node, template, storage, the
// container, then finish. A failure before the container exists (or whose
// container PVE removed with its failed task) gives the ports back.
func (d *Service) createAnew(ctx context.Context, c *creation, guests []pveclient.ClusterGuest) (err error) {
	var source *backupSource
	if c.spec.RestoreFrom != "" {
		if err := c.log.run(ctx, "find backup", func() (string, error) {
			source, err = d.findBackupSource(ctx, c.spec)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("on %s, made with public port %d and internal port %d", source.Node, source.PublicPort, source.InternalPort), nil
		}); err != nil {
			return err
		}
	}
	if err := d.takePorts(ctx, c.spec, guests, source, &c.app, &c.log); err != nil {
		return err
	}
	c.app.Identity = NewIdentity()
	defer func() { d.giveBackPorts(ctx, c, err) }()

	storage, err := d.place(ctx, c, source, guests)
	if err != nil {
		return err
	}
	if err := d.makeContainer(ctx, c, source, storage); err != nil {
		return err
	}
	c.app, err = d.finish(ctx, c.spec, c.entry, c.compose, c.app, &c.log, true)
	return err
}

// giveBackPorts releases the pair of a failed create that leaves no
// container: none was made, or PVE removed it with its failed create or
// restore task. A cancelled create whose request may have reached PVE
// keeps them: the container, if PVE made it, keeps its pair for the next
// run.
func (d *Service) giveBackPorts(ctx context.Context, c *creation, err error) {
	if err == nil || (c.requested && cancelled(ctx)) {
		return
	}
	if c.created && d.gone(ctx, c.app) {
		c.created, c.app.VMID = false, 0
	}
	if !c.created && c.app.AllocationID != "" {
		_ = d.Ports.Release(context.WithoutCancel(ctx), c.app.AllocationID)
		c.app.AllocationID = ""
	}
}

// place chooses where the container goes: the node (the backup's, for a
// restore), the template (none for a restore) and the root disk's storage.
func (d *Service) place(ctx context.Context, c *creation, source *backupSource, guests []pveclient.ClusterGuest) (storage string, err error) {
	app := &c.app
	if err := c.log.run(ctx, "choose node", func() (string, error) {
		if source != nil {
			app.Node = source.Node
			return app.Node + ", where the backup is", nil
		}
		app.Node, err = d.chooseNode(ctx, c.spec, app.Memory, guests)
		return app.Node, err
	}); err != nil {
		return "", err
	}
	var storages []pveclient.Storage
	if source == nil {
		if err := c.log.run(ctx, "ensure template", func() (string, error) {
			if storages, err = d.Client.Storages(ctx, app.Node); err != nil {
				return "", err
			}
			app.Template, err = d.ensureTemplate(ctx, app.Node, storages, c.spec.Template)
			return app.Template, err
		}); err != nil {
			return "", err
		}
	}
	storage = c.spec.Storage
	err = c.log.run(ctx, "choose storage", func() (string, error) {
		if storage == "" && storages == nil {
			if storages, err = d.Client.Storages(ctx, app.Node); err != nil {
				return "", err
			}
		}
		if storage == "" {
			storage, err = rootStorage(app.Node, storages)
		}
		return storage, err
	})
	return storage, err
}

// makeContainer asks PVE for the container (a create, or a restore of the
// backup) under a fresh VMID, reports it to the caller once it exists, and
// waits for PVE's task; a restored container then gets the app's own
// settings.
func (d *Service) makeContainer(ctx context.Context, c *creation, source *backupSource, storage string) (err error) {
	app := &c.app
	app.Storage = storage
	create := newContainer(c.spec, c.entry, *app, storage)
	c.spec.Boot.onCreate(&create.ContainerSettings)
	step, req := "create container", pveclient.ContainerCreation(create)
	if source != nil {
		step, req = "restore container", restoreRequest(create, c.spec.RestoreFrom, storage)
	}
	var upid string
	c.requested = true
	if err := c.log.run(ctx, step, func() (string, error) {
		app.VMID, upid, err = d.createWithVMID(ctx, c.spec.VMID, app.Node, req, create.ContainerSettings)
		return fmt.Sprintf("CT %d on %s", app.VMID, app.Node), err
	}); err != nil {
		return err
	}
	c.created = true
	c.saved(*app)
	if err := c.log.run(ctx, "wait for create", func() (string, error) {
		if upid == "" {
			return "task id lost; waited for the create lock", d.waitCreated(ctx, app.Node, app.VMID)
		}
		_, err := d.Client.WaitTask(ctx, upid)
		return "", err
	}); err != nil {
		return err
	}
	if source != nil {
		return d.settleRestored(ctx, c.spec, source, app, &c.log)
	}
	return nil
}
