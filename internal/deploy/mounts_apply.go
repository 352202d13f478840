package deploy

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Mounts are the mount points and devices an application asks for, each
// list whole: what is not in it is removed from the container.
type Mounts struct {
	MountPoints []MountPoint
	Devices     []Device
	// Restarts is the plan's finding that the apply restarts the running
	// container for them (MountsRestart): its address is read again.
	Restarts bool
}

// Empty reports whether nothing is asked for.
func (m Mounts) Empty() bool { return len(m.MountPoints) == 0 && len(m.Devices) == 0 }

// mountsPlan is what takes a container's config to the Mounts asked for.
// Volumes go through the API with the identity's rights (VM.Config.Disk,
// Datastore.AllocateSpace on the storage); bind mounts and devices are
// root@pam's alone (check_ct_modify_config_perm), so they go to pct set as
// root over SSH.
type mountsPlan struct {
	api     pveclient.ContainerConfigUpdate
	root    []string    // pct set options: --mpN, --devN, --delete
	resizes map[int]int // mpN -> GB it grows to
	// restart: some change reaches a running container only at its next
	// start. PVE hot-plugs a new mount point (vmconfig_hotplug_pending:
	// apply_pending_mountpoint with $running), but keeps a changed or removed
	// one, and every device (PVE 8), pending until the container starts.
	restart bool
	done    []string // for the step's message
}

// StorageMoveError is a volume asked on another storage than the one it
// is on: moving a mount point's volume is not something the provider does.
type StorageMoveError struct {
	Path, Has, Asked string
}

func (e *StorageMoveError) Error() string {
	return fmt.Sprintf("the volume mounted at %s is on storage %s, not %s; the provider does not move mount point volumes: keep storage = %q, "+
		"or remove the mount point (its volume stays attached as unusedN, data intact) and add one on %s", e.Path, e.Has, e.Asked, e.Has, e.Asked)
}

// planMounts compares what the config has with what is asked. A mount
// point is the same one when its path is; a device when its device path is.
func planMounts(cfg *pveclient.ContainerConfig, want Mounts) (mountsPlan, error) {
	p := mountsPlan{resizes: map[int]int{}}
	have := readMountPoints(cfg)
	byPath := map[string]int{}
	for i, m := range have {
		byPath[path.Clean(m.Path)] = i
	}
	rootStorage := ""
	if cfg.RootFS != nil {
		rootStorage = cfg.RootFS.Storage()
	}
	kept := map[int]bool{}
	for _, w := range want.MountPoints {
		i, exists := byPath[path.Clean(w.Path)]
		if !exists {
			i = freeIndex(have, kept)
			kept[i] = true
			p.set(i, w, nil, rootStorage)
			p.done = append(p.done, fmt.Sprintf("mp%d %s added", i, w.Path))
			continue
		}
		kept[i] = true
		if err := p.change(i, have[i], cfg.MountPoints[i], w, rootStorage); err != nil {
			return p, err
		}
	}
	for _, i := range sortedIndexes(have) {
		if !kept[i] {
			p.remove("mp"+strconv.Itoa(i), have[i].Bind())
			p.done = append(p.done, fmt.Sprintf("mp%d %s removed", i, have[i].Path))
		}
	}
	p.planDevices(readDevices(cfg), want.Devices)
	return p, nil
}

// change plans an existing mount point towards w: a volume grows (a size
// below the volume's is no change: size_gb is a minimum), a changed flag
// or a switch between volume and bind mount rewrites mpN.
func (p *mountsPlan) change(i int, cur MountPoint, raw pveclient.ContainerMountPoint, w MountPoint, rootStorage string) error {
	if !cur.Bind() && !w.Bind() {
		if w.Storage != "" && w.Storage != cur.Storage {
			return &StorageMoveError{Path: w.Path, Has: cur.Storage, Asked: w.Storage}
		}
		if int64(w.SizeGB)<<30 > raw.Size {
			p.resizes[i] = w.SizeGB
			p.done = append(p.done, fmt.Sprintf("mp%d %s grown to %dG", i, w.Path, w.SizeGB))
		}
		if cur.Backup == w.Backup && cur.ReadOnly == w.ReadOnly && path.Clean(cur.Path) == path.Clean(w.Path) {
			return nil
		}
		p.set(i, w, &raw, "")
	} else {
		if cur.Bind() && w.Bind() && cur.HostPath == w.HostPath && cur.ReadOnly == w.ReadOnly && cur.Path == w.Path {
			return nil
		}
		var keep *pveclient.ContainerMountPoint
		if cur.Bind() && w.Bind() {
			keep = &raw // the same kind: its other options stay
		}
		p.set(i, w, keep, rootStorage)
	}
	p.restart = true
	p.done = append(p.done, fmt.Sprintf("mp%d %s changed", i, w.Path))
	return nil
}

// set writes mpN: a volume through the API (a new one as STORAGE:GB,
// which PVE allocates; an existing one keeps its volume and size), a bind
// mount through pct set.
func (p *mountsPlan) set(i int, w MountPoint, existing *pveclient.ContainerMountPoint, rootStorage string) {
	var mp pveclient.ContainerMountPoint
	if existing != nil {
		// What the app does not own stays as an admin set it: shared=1
		// (which a migration with a bind mount needs), mountoptions, acl,
		// quota, replicate.
		mp = *existing
	}
	mp.Path, mp.ReadOnly = w.Path, nil
	if w.ReadOnly {
		yes := true
		mp.ReadOnly = &yes
	}
	if w.Bind() {
		mp.Volume = w.HostPath
		p.root = append(p.root, "--mp"+strconv.Itoa(i), mp.String())
		return
	}
	backup := w.Backup
	mp.Backup = &backup
	if existing != nil {
		mp.Volume, mp.Size = existing.Volume, existing.Size
	} else {
		storage := w.Storage
		if storage == "" {
			storage = rootStorage
		}
		mp.Volume = fmt.Sprintf("%s:%d", storage, w.SizeGB)
	}
	if p.api.MountPoints == nil {
		p.api.MountPoints = map[int]pveclient.ContainerMountPoint{}
	}
	p.api.MountPoints[i] = mp
}

// remove deletes mpN or devN. A removed volume is not deleted: PVE keeps
// it as unusedN (vmconfig_apply_pending: add_unused_volume), its data
// intact, until the container is destroyed.
func (p *mountsPlan) remove(key string, root bool) {
	p.restart = true
	if root {
		p.root = append(p.root, "--delete", key)
		return
	}
	p.api.Delete = append(p.api.Delete, key)
}

// planDevices plans devN: an unchanged device stays, a changed one is
// rewritten, a new one takes the lowest free devN, and one no longer asked
// for is deleted. Every change takes root (pct set).
func (p *mountsPlan) planDevices(have map[int]Device, want []Device) {
	byPath := map[string]int{}
	for i, d := range have {
		byPath[d.Path] = i
	}
	kept := map[int]bool{}
	for _, w := range want {
		i, exists := byPath[w.Path]
		if !exists {
			i = freeIndex(have, kept)
		}
		kept[i] = true
		if exists && sameDevice(have[i], w) {
			continue
		}
		p.root = append(p.root, "--dev"+strconv.Itoa(i), w.String())
		p.restart = true
		p.done = append(p.done, fmt.Sprintf("dev%d %s", i, w.Path))
	}
	for _, i := range sortedIndexes(have) {
		if !kept[i] {
			p.remove("dev"+strconv.Itoa(i), true)
			p.done = append(p.done, fmt.Sprintf("dev%d %s removed", i, have[i].Path))
		}
	}
}

// freeIndex is the lowest N neither in the config nor taken by this plan.
func freeIndex[T any](have map[int]T, taken map[int]bool) int {
	for i := 0; ; i++ {
		if _, used := have[i]; !used && !taken[i] {
			return i
		}
	}
}

// rootCommand is the pct set that makes the root@pam changes; the options
// are grouped so that one --delete lists every key.
func (p mountsPlan) rootCommand(vmid int) string {
	args := []string{"pct", "set", strconv.Itoa(vmid)}
	var deletes []string
	for i := 0; i < len(p.root); i += 2 {
		if p.root[i] == "--delete" {
			deletes = append(deletes, p.root[i+1])
		} else {
			args = append(args, p.root[i], p.root[i+1])
		}
	}
	if len(deletes) > 0 {
		args = append(args, "--delete", strings.Join(deletes, ","))
	}
	return Command(args...)
}

// applyMounts takes the container's mount points and devices to want:
// volumes through the API, bind mounts and devices with pct set as root on
// the node, then the resizes, then a reboot of a running container when a
// change waits for its next start (PVE keeps it pending till then).
func (d *Service) applyMounts(ctx context.Context, node string, vmid int, want Mounts) (string, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	p, err := planMounts(cfg, want)
	if err != nil {
		return "", err
	}
	if p.api.Changes() > 0 {
		if err := d.Client.UpdateContainerConfig(ctx, node, vmid, p.api); err != nil {
			return "", err
		}
	}
	if len(p.root) > 0 {
		if err := d.runAsRoot(ctx, node, p.rootCommand(vmid)); err != nil {
			return "", err
		}
	}
	for _, i := range sortedIndexes(p.resizes) {
		if err := d.Client.GrowDisk(ctx, node, vmid, "mp"+strconv.Itoa(i), strconv.Itoa(p.resizes[i])+"G"); err != nil {
			return "", err
		}
	}
	if len(p.done) == 0 {
		return "unchanged", nil
	}
	msg := strings.Join(p.done, "; ")
	if !p.restart {
		return msg, nil
	}
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil || st.Status != "running" {
		return msg, err
	}
	if err := d.Client.RebootGuest(ctx, node, vmid); err != nil {
		return msg, err
	}
	_, err = d.waitAddress(ctx, node, vmid) // as after a start: the app answers again
	return msg + "; restarted, as PVE applies these at the container's start", err
}

// runAsRoot runs a node command that only root may run (pct set of a bind
// mount or a device), naming the node and the command's stderr on failure.
func (d *Service) runAsRoot(ctx context.Context, node, cmd string) error {
	res, err := d.Nodes.Run(ctx, node, cmd, nil)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("%s on %s exited %d: %s", cmd, node, res.ExitCode, strings.TrimSpace(res.Stderr))
	}
	return err
}

// attachMounts is the create's step for the mount points and devices the
// spec asks for, on the stopped new container; nothing when none.
func (d *Service) attachMounts(ctx context.Context, spec Spec, app App, log *stepLog) error {
	if spec.Mounts.Empty() {
		return nil
	}
	return log.run(ctx, "mount points", func() (string, error) { return d.applyMounts(ctx, app.Node, app.VMID, spec.Mounts) })
}

// updateMounts is an update's step for them.
func (d *Service) updateMounts(ctx context.Context, node string, vmid int, want Mounts, log *stepLog) error {
	return log.run(ctx, "mount points", func() (string, error) { return d.applyMounts(ctx, node, vmid, want) })
}
