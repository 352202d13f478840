package deploy

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A restore is not a create: PVE merges the archive's configuration into
// the new container and skips what a create does inside it
// (pve-container src/PVE/API2/LXC.pm: post_create_hook, which sets the
// password and the SSH keys, runs only without restore; LXC/Create.pm
// sanitize_and_merge_config: with unique, every netN of the archive
// replaces the one given, with a new MAC). These steps make a restored
// application the one its configuration declares.

// applyRestoredNetwork gives a container restored with unique=1 exactly
// the network a create of the application sets, before its first start:
// PVE keeps every netN of the archive with only a new MAC (Create.pm
// sanitize_and_merge_config), so the original's static addresses (IPv4 and
// IPv6), VLAN tag, firewall flag and further interfaces would come along,
// and the original may still run. net0 is the create's (newContainer) with
// the new MAC; every other netN is the original's, not the app's: removed.
func (d *Service) applyRestoredNetwork(ctx context.Context, spec Spec, app App) (string, error) {
	entry, err := d.CatalogApp(spec.CatalogID)
	if err != nil {
		return "", err
	}
	cfg, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil {
		return "", err
	}
	net0 := newContainer(spec, entry, app, "").Networks[0]
	net0.HWAddr = cmp.Or(spec.Net.MAC, cfg.Networks[0].HWAddr) // "": PVE makes one
	update := pveclient.ContainerConfigUpdate{Networks: map[int]pveclient.ContainerNetwork{0: net0}}
	spec.Net.dnsUpdate(cfg, &update) // the archive's nameserver and searchdomain give way to the app's
	for i := range cfg.Networks {
		if i != 0 {
			update.Delete = append(update.Delete, fmt.Sprintf("net%d", i))
		}
	}
	sort.Strings(update.Delete)
	if err := d.Client.UpdateContainerConfig(ctx, app.Node, app.VMID, update); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("bridge %s, ip %s (the backup had %s)", net0.Bridge, net0.IP, cmp.Or(cfg.Networks[0].IP, "none"))
	if len(update.Delete) > 0 {
		msg += "; removed the backup's " + strings.Join(update.Delete, ", ")
	}
	return msg, nil
}

// authorizedKeysDir is root's SSH directory, as PVE's post_create_hook
// writes it (PVE::LXC::Setup::Base set_user_authorized_ssh_keys).
const authorizedKeysDir = "/root/.ssh"

// setRestoredCredentials sets the root password and SSH keys the
// configuration gives, which PVE ignores on a restore. What the
// configuration leaves unset stays as the backup had it.
func (d *Service) setRestoredCredentials(ctx context.Context, spec Spec, app App) (string, error) {
	var done []string
	if spec.Password != "" {
		if err := d.setRootPassword(ctx, app.Node, app.VMID, spec.Password); err != nil {
			return "", err
		}
		done = append(done, "root password")
	}
	if spec.SSHPublicKeys != "" {
		if err := d.inContainer(ctx, app.Node, app.VMID, "sh", "-c", "mkdir -p "+authorizedKeysDir+" && chmod 700 "+authorizedKeysDir); err != nil {
			return "", err
		}
		keys := strings.TrimRight(spec.SSHPublicKeys, "\n") + "\n"
		if err := d.pushFile(ctx, app.Node, app.VMID, authorizedKeysDir, "authorized_keys", []byte(keys)); err != nil {
			return "", err
		}
		done = append(done, authorizedKeysDir+"/authorized_keys")
	}
	if len(done) == 0 {
		return "none configured: kept from the backup", nil
	}
	return strings.Join(done, ", "), nil
}

// settleRestored makes a container restored into a new application the
// configured one before its first start: its own network, and its disk at
// least the configured size (a restored disk has the archive's size, which
// the application then keeps).
func (d *Service) settleRestored(ctx context.Context, spec Spec, source *backupSource, app *App, log *stepLog) error {
	if err := log.run(ctx, "apply network", func() (string, error) {
		return d.applyRestoredNetwork(ctx, spec, *app)
	}); err != nil {
		return err
	}
	if app.DiskGB > source.DiskGB {
		if err := log.run(ctx, "grow disk", func() (string, error) {
			return d.growRootFS(ctx, app.Node, app.VMID, app.DiskGB)
		}); err != nil {
			return err
		}
	}
	app.DiskGB = max(app.DiskGB, source.DiskGB)
	return nil
}

// settleRestoredApp runs in a started restored container: it sets the
// configured credentials and renders the compose file from the backup's
// environment with the configured values over it.
func (d *Service) settleRestoredApp(ctx context.Context, spec Spec, entry *catalog.App, app App, log *stepLog) ([]byte, error) {
	if err := log.run(ctx, "set credentials", func() (string, error) {
		return d.setRestoredCredentials(ctx, spec, app)
	}); err != nil {
		return nil, err
	}
	var compose []byte
	err := log.run(ctx, "keep environment", func() (string, error) {
		env, kept, err := d.restoredEnvironment(ctx, entry, app, spec.Environment)
		if err != nil {
			return "", err
		}
		if compose, err = RenderCompose(ctx, entry, env); err != nil {
			return "", err
		}
		if len(kept) == 0 {
			return "none kept from the backup", nil
		}
		return "kept from the backup: " + strings.Join(kept, ", "), nil
	})
	return compose, err
}
