package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Boot is how a container boots and what guards it: onboot, startup, swap
// and protection, all options of the container's config. In a Spec or a
// Change a nil field is "not asked for" (a create then keeps Proximity's
// defaults, an update leaves the option as it is); Observe sets each one.
type Boot struct {
	OnBoot *bool
	// Startup is PVE's startup option; a Startup whose fields are all nil
	// is none (an update deletes the option).
	Startup *Startup
	Swap    *int // MiB
	// Protection is set only once a create fully succeeded (release), so
	// that every cleanup of a failed create can still destroy its container.
	Protection *bool
	// Pool is the resource pool the container belongs to ("" none). It is
	// no config option: a create passes it, an update moves the container
	// with PUT /pools, and a read finds it in the cluster listing
	// (controls_boot_pool.go).
	Pool *string
}

// Defaults a create keeps when the Spec leaves the option out: Proximity
// has always started its containers with their node, and PVE's own swap
// default (pve-container's config schema) is 512 MiB.
const (
	DefaultOnBoot = true
	DefaultSwap   = 512
)

// Startup is PVE's startup option (pve-common's pve-startup-order format,
// "[[order=]\d+] [,up=\d+] [,down=\d+]"): the order among the node's guests
// and the delays, in seconds, before the next guest starts or stops.
type Startup struct{ Order, Up, Down *int }

// IsZero reports whether no part of the startup option is set.
func (s Startup) IsZero() bool { return s.Order == nil && s.Up == nil && s.Down == nil }

// String prints the option as PVE's API takes it: order=N,up=N,down=N.
func (s Startup) String() string {
	var parts []string
	for _, p := range []struct {
		key string
		v   *int
	}{{"order", s.Order}, {"up", s.Up}, {"down", s.Down}} {
		if p.v != nil {
			parts = append(parts, p.key+"="+strconv.Itoa(*p.v))
		}
	}
	return strings.Join(parts, ",")
}

// ParseStartup reads a startup option as pve_parse_startup_order does: a
// bare number or order=N, up=N and down=N, comma-separated, each a
// non-negative integer.
func ParseStartup(text string) (Startup, error) {
	var s Startup
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, found := strings.Cut(part, "=")
		if !found {
			key, value = "order", key
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || strings.HasPrefix(value, "+") {
			return Startup{}, fmt.Errorf("startup %q: %q is not a non-negative integer", text, value)
		}
		switch key {
		case "order":
			s.Order = &n
		case "up":
			s.Up = &n
		case "down":
			s.Down = &n
		default:
			return Startup{}, fmt.Errorf("startup %q: unknown part %q (order, up and down are PVE's)", text, key)
		}
	}
	return s, nil
}

// onCreate puts the boot options of a spec into a create (or a restore):
// onboot and swap with Proximity's defaults, the startup option when set.
// Protection waits for the end of the create (release).
func (b Boot) onCreate(s *pveclient.ContainerSettings) {
	onboot, swap := DefaultOnBoot, DefaultSwap
	if b.OnBoot != nil {
		onboot = *b.OnBoot
	}
	if b.Swap != nil {
		swap = *b.Swap
	}
	s.OnBoot, s.Swap = &onboot, &swap
	if b.Startup != nil && !b.Startup.IsZero() {
		s.Startup = b.Startup.String()
	}
	if b.Pool != nil {
		s.Pool = *b.Pool
	}
}

// protectOnRelease is the protection a finished create sets with its last
// write, nil when it sets none.
func (b Boot) protectOnRelease() *bool {
	if b.Protection != nil && *b.Protection {
		return b.Protection
	}
	return nil
}

// protectsLast reports whether the update turns protection on: PVE's
// check_protection refuses mount point changes of a protected container,
// so it is the update's last write (protectLast), as it is a create's.
func (b *Boot) protectsLast() bool {
	return b != nil && b.Protection != nil && *b.Protection
}

// protectLast turns protection on once every other change is done.
func (d *Service) protectLast(ctx context.Context, node string, vmid int, b *Boot, log *stepLog) error {
	if !b.protectsLast() {
		return nil
	}
	return log.run(ctx, "protect", func() (string, error) {
		return "protection=1", d.Client.UpdateContainerConfig(ctx, node, vmid,
			pveclient.ContainerConfigUpdate{Boot: pveclient.BootOptions{Protection: b.Protection}})
	})
}

// onUpdate puts a change of the boot options into a config update; a nil
// Boot changes nothing.
func (b *Boot) onUpdate(u *pveclient.ContainerConfigUpdate) {
	if b == nil {
		return
	}
	u.Boot = pveclient.BootOptions{OnBoot: b.OnBoot, Swap: b.Swap}
	if !b.protectsLast() {
		u.Boot.Protection = b.Protection // turned off first, before the other changes
	}
	if b.Startup != nil && b.Startup.IsZero() {
		u.Delete = append(u.Delete, "startup")
	} else if b.Startup != nil {
		text := b.Startup.String()
		u.Boot.Startup = &text
	}
}

// observeBoot reads the boot options of a container's config, with PVE's
// defaults for those it leaves out (onboot 0, swap 512, protection 0); a
// startup option it cannot parse reads as none, which the plan shows as a
// change to the configured one.
func observeBoot(cfg *pveclient.ContainerConfig) Boot {
	onboot, swap, protection := false, DefaultSwap, cfg.Extra["protection"] == "1"
	if cfg.OnBoot != nil {
		onboot = *cfg.OnBoot
	}
	if cfg.Swap != nil {
		swap = *cfg.Swap
	}
	b := Boot{OnBoot: &onboot, Swap: &swap, Protection: &protection}
	if s, err := ParseStartup(cfg.Extra["startup"]); err == nil && !s.IsZero() {
		b.Startup = &s
	}
	return b
}

// ProtectedError is a destroy PVE would refuse: the container has its
// protection flag set (PVE's check_protection, "can't remove CT N -
// protection mode enabled").
type ProtectedError struct {
	VMID int
	Node string
}

func (e *ProtectedError) Error() string {
	return fmt.Sprintf("CT %d on %s has protection mode enabled, and PVE refuses to destroy a protected container; "+
		"nothing was stopped or deleted. Set protection = false and apply, then destroy or replace the application", e.VMID, e.Node)
}

// ProtectedRestoreError is a restore over a container whose protection
// flag is set, which PVE refuses (create_vm's check_protection, "unable to
// restore CT N - protection mode enabled"). The restore runs before any
// config change of the same update, so turning protection off in the same
// apply is too late.
type ProtectedRestoreError struct{ VMID int }

func (e *ProtectedRestoreError) Error() string {
	return fmt.Sprintf("CT %d has protection mode enabled, and PVE refuses to restore a backup over a protected container; "+
		"set protection = false and apply first, then set restore_from", e.VMID)
}

// CheckRestore is the plan's check of a restore over the container: nil
// unless the container is protected now.
func CheckRestore(vmid int, protected bool) error {
	if protected {
		return &ProtectedRestoreError{VMID: vmid}
	}
	return nil
}

// refuseProtected reads the container's protection flag before a destroy
// stops anything: PVE would stop it and only then refuse the delete. A
// container already gone is the destroy's to handle.
func (d *Service) refuseProtected(ctx context.Context, node string, vmid int) error {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.Extra["protection"] == "1" {
		return &ProtectedError{VMID: vmid, Node: node}
	}
	return nil
}

// protectedDelete turns PVE's refusal of a delete (the flag set between our
// read and the delete) into a ProtectedError.
func protectedDelete(node string, vmid int, err error) error {
	if err != nil && strings.Contains(err.Error(), "protection mode enabled") {
		return fmt.Errorf("%w: %w", &ProtectedError{VMID: vmid, Node: node}, err)
	}
	return err
}

// keepBootOnRestore keeps a restore from taking boot options from the
// archive, which PVE's restore_configuration copies for every option the
// request leaves out: protection is off (a backup of a protected app would
// otherwise make the restored container protected before the pipeline
// ends, so that the cleanup of a failed restore could not destroy it; a
// finished create sets it, release), and a restore in place keeps the
// container's startup (cfg, nil for a new container).
func keepBootOnRestore(s *pveclient.ContainerSettings, cfg *pveclient.ContainerConfig) {
	off := false
	s.Protection = &off
	if cfg != nil && s.Startup == "" {
		s.Startup = cfg.Extra["startup"]
	}
}
