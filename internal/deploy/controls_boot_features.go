package deploy

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Features are a container's feature flags beyond nesting, which every
// application's container has (Docker needs it) and which no setting turns
// off. PVE lets only root@pam change them (pve-container LXC.pm
// check_ct_modify_config_perm: "changing feature flags (except nesting) is
// only allowed for root@pam"), which no API token is, so the provider sets
// them with pct set as root over SSH, as it does bind mounts.
type Features struct {
	Fuse, Mknod, KeyCtl bool
	Mount               []string // file system types the container may mount
}

// fsTypePattern is one entry of the features' mount list, as pve-container's
// features format takes it (pattern [a-zA-Z0-9_; ]+, entries split at ';').
var fsTypePattern = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

// CheckFSType reports what is wrong with a file system type for mount, ""
// when nothing is.
func CheckFSType(t string) string {
	if !fsTypePattern.MatchString(t) {
		return fmt.Sprintf("%q is not a file system type as mount takes it (letters, digits and _ only, for example nfs or cifs)", t)
	}
	return ""
}

// Any reports whether a flag beyond nesting is asked for.
func (f Features) Any() bool { return f.Fuse || f.Mknod || f.KeyCtl || len(f.Mount) > 0 }

// observeFeatures reads the flags beyond nesting of a container's config.
func observeFeatures(cfg *pveclient.ContainerConfig) Features {
	if cfg.Features == nil {
		return Features{}
	}
	f := cfg.Features
	return Features{Fuse: isSet(f.Fuse), KeyCtl: isSet(f.KeyCtl), Mknod: f.Extra["mknod"] == "1", Mount: slices.Clone(f.Mount)}
}

// withFeatures is the features value that gives have's container the flags
// of want, with nesting on and every other flag of have (force_rw_sys) kept.
func withFeatures(have *pveclient.ContainerFeatures, want Features) pveclient.ContainerFeatures {
	var f pveclient.ContainerFeatures
	if have != nil {
		f = *have
	}
	f.Extra = map[string]string{}
	if have != nil {
		for k, v := range have.Extra {
			f.Extra[k] = v
		}
	}
	delete(f.Extra, "mknod")
	yes := true
	f.Nesting = &yes
	f.Fuse, f.KeyCtl = flag(want.Fuse), flag(want.KeyCtl)
	if want.Mknod {
		f.Extra["mknod"] = "1"
	}
	f.Mount = slices.Clone(want.Mount)
	slices.Sort(f.Mount)
	return f
}

// flag is a feature flag as PVE keeps it: set when on, left out when off.
func flag(on bool) *bool {
	if !on {
		return nil
	}
	return &on
}

// applyFeatures gives the container want's flags with pct set as root,
// when its config differs, and restarts a running container: PVE keeps
// the change pending until the next start. It says what it did.
func (d *Service) applyFeatures(ctx context.Context, node string, vmid int, want Features) (string, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	next := withFeatures(cfg.Features, want)
	if cfg.Features != nil && next.String() == cfg.Features.String() {
		return "unchanged", nil
	}
	if err := d.runAsRoot(ctx, node, Command("pct", "set", strconv.Itoa(vmid), "--features", next.String())); err != nil {
		return "", err
	}
	msg := "features " + next.String()
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil || st.Status != "running" {
		return msg, err
	}
	if err := d.Client.RebootGuest(ctx, node, vmid); err != nil {
		return msg, err
	}
	_, err = d.waitAddress(ctx, node, vmid) // as after a start: the app answers again
	return msg + "; restarted, as PVE applies features at the container's start", err
}

// attachFeatures is the create's step for the flags beyond nesting, on
// the stopped new container before its first start; nothing when none.
func (d *Service) attachFeatures(ctx context.Context, spec Spec, app App, log *stepLog) error {
	if !spec.Features.Any() {
		return nil
	}
	return log.run(ctx, "features", func() (string, error) { return d.applyFeatures(ctx, app.Node, app.VMID, spec.Features) })
}

// updateFeatures is an update's step for them; nil changes nothing.
func (d *Service) updateFeatures(ctx context.Context, node string, vmid int, want *Features, log *stepLog) error {
	if want == nil {
		return nil
	}
	return log.run(ctx, "features", func() (string, error) { return d.applyFeatures(ctx, node, vmid, *want) })
}
