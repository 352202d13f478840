package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// backupSource is the backup a new application is restored from.
type backupSource struct {
	Node                     string
	PublicPort, InternalPort int // the pair the backed-up app had
	DiskGB                   int
}

// LocateBackup is the one rule for where a restore reads its archive, used
// at plan time and by create: on the asked node when one is given, else on
// any online node. It returns the node that holds it.
func (d *Service) LocateBackup(ctx context.Context, node, volid string) (string, error) {
	if node == "" {
		b, err := d.Backups.Find(ctx, volid)
		if err != nil {
			return "", err
		}
		return b.Node, nil
	}
	if _, found, err := d.Backups.Read(ctx, node, volid); err != nil || !found {
		if err == nil {
			err = fmt.Errorf("backup %s is not on node %s", volid, node)
		}
		return "", err
	}
	return node, nil
}

// findBackupSource finds the archive (LocateBackup) and reads the pair its
// container recorded.
func (d *Service) findBackupSource(ctx context.Context, spec Spec) (*backupSource, error) {
	node, err := d.LocateBackup(ctx, spec.Node, spec.RestoreFrom)
	if err != nil {
		return nil, err
	}
	cfg, err := d.Client.ExtractConfig(ctx, node, spec.RestoreFrom)
	if err != nil {
		return nil, err
	}
	src := &backupSource{Node: node}
	if cfg.RootFS != nil {
		src.DiskGB = int(cfg.RootFS.Size >> 30)
	}
	src.PublicPort, src.InternalPort = portsOf(cfg.Tags)
	return src, nil
}

// restoreRequest turns a create into a restore: the archive instead of the
// template, its disk size on the chosen storage, and a new MAC address
// (unique), since the backed-up app may still run.
func restoreRequest(create pveclient.ContainerCreateRequest, volid, storage string) pveclient.ContainerRestoreRequest {
	settings := create.ContainerSettings
	keepBootOnRestore(&settings, nil) // not the archive's protection (controls_boot.go)
	return pveclient.ContainerRestoreRequest{Archive: volid, Storage: storage, Unique: true, ContainerSettings: settings}
}

// restoreInPlace restores a backup over an application's container: a
// graceful stop, the restore (force) keeping the container's identity
// (hostname, resources, network with its MAC, tags with the app's ports),
// then the app run as after a create.
func (d *Service) restoreInPlace(ctx context.Context, node string, vmid int, c Change, entry *catalog.App, log *stepLog) error {
	compose, err := RenderCompose(ctx, entry, c.Environment)
	if err != nil {
		return err
	}
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return err
	}
	if err := log.run(ctx, "stop", func() (string, error) { return "graceful, 60 s", d.Client.ShutdownGuest(ctx, node, vmid, 60) }); err != nil {
		return err
	}
	// The feature flags come from the archive: a restore that names them
	// is a feature change, which PVE allows tokens only for nesting alone
	// and only when the container is declared unprivileged.
	req := pveclient.ContainerRestoreRequest{Archive: c.RestoreFrom, Force: true, ContainerSettings: pveclient.ContainerSettings{
		Hostname:     cfg.Hostname,
		Description:  cfg.Description,
		Memory:       cfg.Memory,
		Swap:         cfg.Swap,
		Cores:        cfg.Cores,
		Tags:         cfg.Tags,
		OnBoot:       cfg.OnBoot,
		Unprivileged: cfg.Unprivileged,
	}}
	keepBootOnRestore(&req.ContainerSettings, cfg) // startup, and not the archive's protection (controls_boot.go)
	if cfg.RootFS != nil {
		req.Storage = cfg.RootFS.Storage()
	}
	if net0, ok := cfg.Networks[0]; ok {
		req.Networks = map[int]pveclient.ContainerNetwork{0: net0}
	}
	if err := log.run(ctx, "restore container", func() (string, error) {
		upid, err := d.Client.StartCreateContainer(ctx, node, vmid, req)
		if err != nil {
			return "", err
		}
		_, err = d.Client.WaitTask(ctx, upid)
		return c.RestoreFrom, err
	}); err != nil {
		return err
	}
	app := App{Node: node, VMID: vmid, PublicPort: c.PublicPort, InternalPort: c.InternalPort}
	// The restored data goes with the environment of its backup, under the
	// configured values, and the configured credentials (PVE leaves the
	// archive's /etc/shadow and keys), as for a restore into a new application.
	spec := Spec{RestoreFrom: c.RestoreFrom, Environment: c.Environment, SSHPublicKeys: c.SSHPublicKeys}
	if c.Password != nil {
		spec.Password = *c.Password
	}
	_, err = d.finish(ctx, spec, entry, compose, app, log, false)
	return err
}
