package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TakeOver deploys a catalog app into an existing container that Proximity
// did not create (an imported one): it takes a pair of ports (the one its
// tags record when an earlier attempt got that far), records the app and
// the pair in its tags, and runs the app as a create would, from the start
// of the container on. Every step is safe to repeat after a failure.
func (d *Service) TakeOver(ctx context.Context, node string, vmid int, spec Spec) (app App, err error) {
	log := newStepLog(spec.Hostname, spec.CatalogID, &app.VMID)
	defer func() { app.Log = log.steps }()
	defer d.invalidate()
	entry, err := d.CatalogApp(spec.CatalogID)
	if err != nil {
		return app, err
	}
	secrets := GeneratedSecrets(entry, spec.Environment, spec.GeneratedSecrets)
	compose, err := RenderCompose(ctx, entry, withSecrets(spec.Environment, secrets))
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
	if err := d.enableNesting(ctx, node, vmid, o.Running, &log); err != nil {
		return app, err
	}
	app, err = d.finish(ctx, spec, entry, compose, app, &log, false)
	return app, err
}

// NestingChange is how a take-over turns on nesting, which Docker in an
// unprivileged container needs, for a container that lacks it.
type NestingChange struct {
	Needed bool
	// Features is the value the container gets: its own flags plus
	// nesting=1.
	Features pveclient.ContainerFeatures
	// Privileged containers' feature flags are root@pam's alone (pve-container
	// PVE::LXC::check_ct_modify_config_perm, in 8.4 and 9.1), so they go
	// through pct set as root over SSH; for an unprivileged one, changing
	// nesting alone is VM.Allocate's, through the API.
	Privileged bool
}

// PlanNesting reads whether the container lacks nesting=1 and how the
// take-over will set it; it writes nothing.
func (d *Service) PlanNesting(ctx context.Context, node string, vmid int) (NestingChange, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return NestingChange{}, err
	}
	var features pveclient.ContainerFeatures
	if cfg.Features != nil {
		features = *cfg.Features
	}
	if features.Nesting != nil && *features.Nesting {
		return NestingChange{}, nil
	}
	yes := true
	features.Nesting = &yes
	return NestingChange{Needed: true, Features: features, Privileged: cfg.Unprivileged == nil || !*cfg.Unprivileged}, nil
}

// Describe says what the apply does, for the plan's warning.
func (c NestingChange) Describe(vmid int) string {
	how := "through the API (VM.Allocate)"
	if c.Privileged {
		how = "with pct set as root over SSH, since PVE lets only root@pam change a privileged container's feature flags"
	}
	return fmt.Sprintf("CT %d has no nesting=1, which Docker needs; the apply sets features %s %s, and reboots the container if it runs.",
		vmid, c.Features.String(), how)
}

// enableNesting sets nesting=1 on a container that lacks it, as PlanNesting
// said, and reboots a running one so that it takes effect.
func (d *Service) enableNesting(ctx context.Context, node string, vmid int, running bool, log *stepLog) error {
	change, err := d.PlanNesting(ctx, node, vmid)
	if err != nil || !change.Needed {
		return err
	}
	return log.run(ctx, "enable nesting", func() (string, error) {
		if change.Privileged {
			cmd := Command("pct", "set", strconv.Itoa(vmid), "--features", change.Features.String())
			res, err := d.Nodes.Run(ctx, node, cmd, nil)
			if err == nil && res.ExitCode != 0 {
				err = fmt.Errorf("%s on %s exited %d: %s", cmd, node, res.ExitCode, strings.TrimSpace(res.Stderr))
			}
			if err != nil {
				return "", err
			}
		} else if err := d.Client.UpdateContainerConfig(ctx, node, vmid, pveclient.ContainerConfigUpdate{Features: &change.Features}); err != nil {
			return "", err
		}
		if running {
			if err := d.Client.RebootGuest(ctx, node, vmid); err != nil {
				return "", err
			}
		}
		return "features " + change.Features.String(), nil
	})
}
