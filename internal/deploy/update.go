package deploy

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Destroy stops (gracefully, then by force) and destroys a container, and
// releases its ports; a container already gone is fine. Without quorum it
// touches nothing (NoQuorumError), and a failed destroy keeps the ports of
// the container that remains.
func (d *Service) Destroy(ctx context.Context, node string, vmid int, allocationID string) error {
	defer d.invalidate()
	if vmid != 0 {
		if err := d.requireQuorum(ctx, node, vmid); err != nil {
			return err
		}
		if err := d.refuseProtected(ctx, node, vmid); err != nil {
			return err
		}
		if err := d.Client.ShutdownGuest(ctx, node, vmid, 30); err != nil && !pveclient.IsNotFound(err) {
			if err := d.Client.StopGuest(ctx, node, vmid); err != nil && !pveclient.IsNotFound(err) {
				return err
			}
		}
		if err := d.Client.DeleteGuest(ctx, node, vmid); err != nil {
			return protectedDelete(node, vmid, err)
		}
	}
	if allocationID != "" {
		return d.Ports.Release(ctx, allocationID)
	}
	return nil
}

// Change is an in-place update of an application.
type Change struct {
	Memory, Cores, DiskGB int // 0: unchanged
	Description           *string
	Tags                  []string          // nil: unchanged
	Environment           map[string]string // the configured environment, changed or not
	PreviousEnvironment   map[string]string // the one configured before: a key it set that Environment drops goes back to the default
	GeneratedSecrets      map[string]string // known values of the catalog's secrets (new ones for the rest); nil: an app from before them
	Redeploy              bool              // environment changed: render and compose up again
	HealthPath            *string           // the health check's path, written and checked (health_steps.go); "": none; nil: unchanged
	Restart               bool              // restart triggers changed
	Running               *bool
	Password              *string // new root password, set with chpasswd; on a restore, the configured one
	SSHPublicKeys         string  // on a restore, root's configured keys (empty keeps the archive's)
	Network               *Network
	RestoreFrom           string    // a backup to restore over the container
	CatalogID, Hostname   string    // Hostname: the one the application has
	NewHostname           string    // "": unchanged; else renamed in place (update_hostname.go)
	RenamedFrom           string    // the name inside the container when a rename was left unfinished (ResumeRename)
	AllocationID          string    // the app's own allocation ("" on a port_allocation_id): its owner follows a rename
	Keys                  *Keys     // root's authorized keys, rewritten in place (update_keys.go); nil: unchanged
	Ports                 *PortMove // a switch to another pair (update_ports.go); Tags are rewritten with it
	Identity              string    // kept on the container when the tags are rewritten
	PublicPort            int
	InternalPort          int

	// Mounts are the mount points and devices asked for, whole, when they
	// changed (mounts_apply.go); nil: unchanged.
	Mounts *Mounts

	// Relocate moves the container to another node or its root disk to
	// another storage (relocate.go); nil: it stays.
	Relocate *Relocation

	// Boot changes onboot, startup, swap and protection (controls_boot.go);
	// nil: unchanged.
	Boot *Boot
	// Features are the feature flags beyond nesting asked for, whole, when
	// they change (controls_boot_features.go); nil: unchanged.
	Features *Features
}

// Network is net0 changed in place: its bridge ("": unchanged) and address
// (ip= dhcp or a CIDR, and gw=). PVE hot-plugs it into a running container
// (pve-container src/PVE/LXC.pm update_net): the interface keeps its MAC
// address and name, and moves to the new bridge.
type Network struct {
	Bridge, IP, Gateway string
	Options             *NetworkOptions // tag, MAC, firewall, MTU, IPv6, DNS (controls_network.go); nil: as they are
}

// Update applies in-place changes and returns the steps it took. A rename
// and a move of the ports are checked before anything changes, and a pair
// taken for the move or a hostname claimed for it is given back when a
// later step fails; the app's previous pair is released only after every
// step succeeded. A rename is whole or not at all as far as PVE allows:
// the allocation table's owner moves before the config is written (and
// back when that fails), and once the config has the new name a failure
// before the name changed inside the container is a
// *RenameUnfinishedError, which the next apply finishes (ResumeRename).
func (d *Service) Update(ctx context.Context, node string, vmid int, c Change) (_ []Step, err error) {
	if !c.RunsSteps() {
		return nil, nil // the plan kept deployment_log as it is (RunsSteps)
	}
	log := newStepLog(c.Hostname, c.CatalogID, &vmid)
	defer d.invalidate()
	entry, err := d.CatalogApp(c.CatalogID)
	if err != nil {
		return nil, err
	}
	if err := d.checkIsolatedMove(ctx, node, vmid, c); err != nil { // gateway_network.go
		return nil, err
	}
	if c.RestoreFrom != "" {
		if err := d.restoreFirst(ctx, node, vmid, &c, entry, &log); err != nil {
			return log.steps, err
		}
	}
	undoRename, undoPorts, err := d.prepareUpdate(ctx, vmid, &c, &log)
	defer func() {
		if err != nil {
			undoRename()
			undoPorts()
		}
	}()
	if err != nil {
		return log.steps, err
	}
	if c.Relocate != nil { // relocate.go: every later step runs where the container now is
		if node, err = d.relocate(ctx, node, vmid, &c, &log); err != nil {
			return log.steps, err
		}
	}
	if err := d.updateConfig(ctx, node, vmid, c, entry, &log); err != nil {
		return log.steps, err
	}
	// The config has the new name: the table's owner and the claim stay
	// with it whatever fails next.
	undoRename = func() {}
	if err := d.finishUpdate(ctx, node, vmid, c, entry, &log); err != nil {
		return log.steps, renameUnfinished(c, log.steps, err)
	}
	return log.steps, d.protectLast(ctx, node, vmid, c.Boot, &log) // controls_boot.go
}

// restoreFirst restores the container before the other changes; the
// restore ran the app with the configured environment and credentials,
// started, so those are no longer to do.
func (d *Service) restoreFirst(ctx context.Context, node string, vmid int, c *Change, entry *catalog.App, log *stepLog) error {
	if err := d.restoreInPlace(ctx, node, vmid, *c, entry, log); err != nil {
		return err
	}
	c.Redeploy, c.Restart, c.Password = false, false, nil
	if c.Running != nil && *c.Running {
		c.Running = nil
	}
	return nil
}

// finishUpdate runs the steps after the config is written: the disk, the
// start, what changes inside the container, compose, the stop, and last
// the release of the pair the app moved away from.
func (d *Service) finishUpdate(ctx context.Context, node string, vmid int, c Change, entry *catalog.App, log *stepLog) error {
	if c.DiskGB != 0 {
		if err := log.run(ctx, "grow disk", func() (string, error) {
			return d.growRootFS(ctx, node, vmid, c.DiskGB)
		}); err != nil {
			return err
		}
	}
	if c.Mounts != nil {
		if err := d.updateMounts(ctx, node, vmid, *c.Mounts, log); err != nil {
			return err
		}
	}
	if err := d.updateControls(ctx, node, vmid, c, log); err != nil { // features, pool (controls_boot_pool.go)
		return err
	}
	if c.Running != nil && *c.Running {
		if err := log.run(ctx, "start", func() (string, error) { return "", d.Client.StartGuest(ctx, node, vmid) }); err != nil {
			return err
		}
	}
	if err := d.updateInside(ctx, node, vmid, c, log); err != nil {
		return err
	}
	if c.Redeploy || c.Restart {
		if err := d.redeploy(ctx, node, vmid, c, entry, log); err != nil {
			return err
		}
	}
	if err := d.updateHealth(ctx, node, vmid, c, entry, log); err != nil { // health_steps.go
		return err
	}
	if c.Running != nil && !*c.Running {
		if err := log.run(ctx, "stop", func() (string, error) { return "", d.Client.ShutdownGuest(ctx, node, vmid, 60) }); err != nil {
			return err
		}
	}
	if c.Ports != nil {
		return d.releaseMovedFrom(ctx, c.Ports, log)
	}
	return nil
}

// prepareUpdate checks a rename and moves the owner of the app's pair in
// the allocation table to the new name, and takes the pair of a port move,
// before anything in the container changes; undoRename and undoPorts give
// back what it took.
func (d *Service) prepareUpdate(ctx context.Context, vmid int, c *Change, log *stepLog) (undoRename, undoPorts func(), err error) {
	undoRename, undoPorts = func() {}, func() {}
	if c.NewHostname != "" {
		if undoRename, err = d.prepareRename(ctx, vmid, *c, log); err != nil {
			return undoRename, undoPorts, err
		}
	}
	if c.Ports != nil {
		if undoPorts, err = d.takeMovedPorts(ctx, vmid, cmp.Or(c.NewHostname, c.Hostname), c.Ports, log); err != nil {
			return undoRename, undoPorts, err
		}
		c.PublicPort, c.InternalPort = c.Ports.Moved.PublicPort, c.Ports.Moved.InternalPort
	}
	return undoRename, undoPorts, nil
}

// updateConfig writes the container's config options an update changes in
// one call: sizes, description, hostname, tags (with the app's pair), net0.
func (d *Service) updateConfig(ctx context.Context, node string, vmid int, c Change, entry *catalog.App, log *stepLog) error {
	update := pveclient.ContainerConfigUpdate{Hostname: c.NewHostname}
	if c.Memory != 0 {
		update.Memory = &c.Memory
	}
	if c.Cores != 0 {
		update.Cores = &c.Cores
	}
	if c.Description != nil && *c.Description == "" {
		update.Delete = append(update.Delete, "description")
	} else if c.Description != nil {
		update.Description = c.Description
	}
	if c.Network != nil || (c.Ports != nil && c.Tags == nil) {
		cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
		if err != nil {
			return err
		}
		if c.Tags == nil && c.Ports != nil {
			c.Tags = userTags(cfg.Tags)
		}
		if c.Network != nil {
			// net0 is rewritten whole: keep its MAC address and name.
			net0 := cfg.Networks[0]
			net0.Bridge = cmp.Or(c.Network.Bridge, net0.Bridge)
			net0.IP, net0.Gateway = cmp.Or(c.Network.IP, DefaultIPConfig), c.Network.Gateway
			c.Network.Options.onUpdate(cfg, &net0, &update)
			update.Networks = map[int]pveclient.ContainerNetwork{0: net0}
		}
	}
	c.Boot.onUpdate(&update)
	if c.Tags != nil {
		update.Tags = ownTags(c.Tags, entry.ID, c.Identity, c.PublicPort, c.InternalPort, false)
	}
	n := update.Changes()
	if n == 0 {
		return nil
	}
	return log.run(ctx, "update config", func() (string, error) {
		return fmt.Sprintf("%d options", n), d.Client.UpdateContainerConfig(ctx, node, vmid, update)
	})
}

// updateInside makes the changes that are made in the container: its name,
// root's password and SSH keys.
func (d *Service) updateInside(ctx context.Context, node string, vmid int, c Change, log *stepLog) error {
	if c.NewHostname != "" {
		if err := log.run(ctx, "rename", func() (string, error) { return d.rename(ctx, node, vmid, c) }); err != nil {
			return err
		}
	}
	if c.Password != nil {
		if err := log.run(ctx, "set password", func() (string, error) {
			return "root", d.setRootPassword(ctx, node, vmid, *c.Password)
		}); err != nil {
			return err
		}
	}
	if c.Keys != nil {
		return log.run(ctx, "set ssh keys", func() (string, error) { return d.setAuthorizedKeys(ctx, node, vmid, *c.Keys) })
	}
	return nil
}

// rename follows a new hostname in the config with the name inside a
// running container (a stopped one gets it from PVE at its next start);
// the table's owner moved before the config was written (prepareRename).
func (d *Service) rename(ctx context.Context, node string, vmid int, c Change) (string, error) {
	inside := cmp.Or(c.RenamedFrom, c.Hostname)
	msg := inside + " -> " + c.NewHostname
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	if st.Status != "running" {
		return msg + "; inside at the next start", nil
	}
	files, err := d.renameInside(ctx, node, vmid, inside, c.NewHostname)
	return msg + "; " + files, err
}

// setRootPassword changes root's password inside the container; the
// password travels on stdin, never on a command line or in a log.
func (d *Service) setRootPassword(ctx context.Context, node string, vmid int, password string) error {
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, "chpasswd"), strings.NewReader("root:"+password+"\n"))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("chpasswd exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return nil
	})
}

// redeploy runs compose again with the compose the container has: a changed
// environment writes the file anew and goes through compose up and the
// service check as a create does; a restart restarts the services. The new
// file keeps the values the app runs with where the configuration sets
// none (layEnvironment): after a restore they are the backup's, which the
// restored data was initialised with, not the catalog's defaults.
func (d *Service) redeploy(ctx context.Context, node string, vmid int, c Change, entry *catalog.App, log *stepLog) error {
	tool, err := d.composeCommand(ctx, node, vmid)
	if err != nil {
		return err
	}
	if c.Redeploy {
		running, err := d.runningEnvironment(ctx, entry, node, vmid)
		if err != nil {
			return err
		}
		env := layEnvironment(running, c.PreviousEnvironment, c.Environment)
		env = withSecrets(env, updatedSecrets(entry, c.Environment, c.GeneratedSecrets, running)) // secrets_kept.go
		rendered, err := RenderCompose(ctx, entry, env)
		if err != nil {
			return err
		}
		return d.composeUp(ctx, node, vmid, tool, entry, rendered, log)
	}
	return log.run(ctx, "compose restart", func() (string, error) {
		return "", d.inContainer(ctx, node, vmid, tool.project(appDir(entry), entry.ID, "restart")...)
	})
}
