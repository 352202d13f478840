package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// This file owns moving an application's container in place: to another
// node (PVE's migration in restart mode) and its root disk to another
// storage (move_volume). The app keeps its VMID, data, ports and identity.
//
// What PVE allows (pve-container src/PVE/API2/LXC.pm and src/PVE/LXC/Migrate.pm,
// the same in 8.x and 9.x):
//   - move_volume refuses every volume of a running container ("cannot move
//     volumes of a running container"), so a running app is shut down, its
//     rootfs moved with delete=1 (else the old volume stays as unusedN), and
//     started again. Needs VM.Config.Disk on the guest and
//     Datastore.AllocateSpace on the target storage. The new volume is made
//     by alloc_disk, which dies in the task, after the shutdown, on a storage
//     without content rootdir: the plan refuses that storage first.
//   - migrate_vm moves a running container only with restart=1 (online is
//     "not implemented" for containers): shutdown, copy of the volumes on
//     local storages to the target node (storage_migrate), the config file
//     moved, start on the target. Needs VM.Migrate. Every volume's storage
//     must be enabled on both nodes and take rootdir there, a local one must
//     be of a type it can copy (dir, zfspool, lvmthin, lvm, btrfs), and
//     'target-storage' maps local volumes to another storage of the target
//     (VM.Config.Disk, Datastore.AllocateSpace there, content rootdir). PVE
//     checks neither the target's bridges nor its memory: a missing bridge
//     fails the start on the target after the move ("migration problems",
//     the container stopped there), so the plan checks both.

// Relocation is where an update moves an application's container: Node to
// migrate to and Storage to move its root disk to; an empty field, or the
// container's current value, stays. A new bridge in the same update is the
// Change's (Network.Bridge): relocate reads it there.
type Relocation struct{ Node, Storage string }

// migratableStorageTypes are the local storage types PVE's migration copies
// (Migrate.pm phase1: dir, zfspool, lvmthin, lvm, btrfs).
var migratableStorageTypes = []string{"dir", "zfspool", "lvmthin", "lvm", "btrfs"}

// relocate moves the container before the rest of an update and returns
// the node it is on afterwards: first the migration (which takes the root
// disk to the new storage at once when the disk is on a local storage),
// then a move of the disk on its node when it is not there yet.
func (d *Service) relocate(ctx context.Context, node string, vmid int, c *Change, log *stepLog) (string, error) {
	to := *c.Relocate
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return node, err
	}
	if cfg.RootFS == nil {
		return node, fmt.Errorf("CT %d on %s has no rootfs", vmid, node)
	}
	storage := cfg.RootFS.Storage()
	if to.Node != "" && to.Node != node {
		target := ""
		if to.Storage != "" && to.Storage != storage {
			if shared, err := d.sharedStorage(ctx, node, storage); err != nil {
				return node, err
			} else if !shared {
				target = to.Storage // a local disk is copied anyway: copy it where it goes
			}
		}
		if err := d.stopForNewBridge(ctx, node, vmid, to.Node, newBridge(cfg, c), c, log); err != nil {
			return node, err
		}
		if err := log.run(ctx, "migrate", func() (string, error) {
			msg := fmt.Sprintf("CT %d from %s to %s (restart mode)", vmid, node, to.Node)
			if target != "" {
				msg += ", root disk to storage " + target
			}
			// SOURCE:TARGET maps the root disk's storage only: volumes of
			// other storages stay on their storage's id.
			return msg, d.Client.MigrateContainer(ctx, node, vmid, to.Node, pairOrEmpty(storage, target))
		}); err != nil {
			return node, err
		}
		node = to.Node
		if target != "" {
			storage = target
		}
	}
	if to.Storage != "" && to.Storage != storage {
		if err := d.moveRootDisk(ctx, node, vmid, storage, to.Storage, log); err != nil {
			return node, err
		}
	}
	return node, nil
}

// newBridge is the bridge the update moves net0 to, "" when it keeps the
// container's.
func newBridge(cfg *pveclient.ContainerConfig, c *Change) string {
	if c.Network == nil || c.Network.Bridge == "" || c.Network.Bridge == cfg.Networks[0].Bridge {
		return ""
	}
	return c.Network.Bridge
}

// stopForNewBridge shuts a running container down before a migration that
// comes with a new bridge: restart mode would start it on the new node on
// its old bridge, which that node may lack (the start fails there, and PVE
// reports "migration problems"). The update's start step starts it once
// net0 is on the new bridge.
func (d *Service) stopForNewBridge(ctx context.Context, node string, vmid int, target, bridge string, c *Change, log *stepLog) error {
	if bridge == "" {
		return nil
	}
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil || st.Status != "running" {
		return err
	}
	if err := log.run(ctx, "stop", func() (string, error) {
		return "for the migration: net0 moves to bridge " + bridge + " on " + target, d.Client.ShutdownGuest(ctx, node, vmid, 60)
	}); err != nil {
		return err
	}
	if c.Running == nil {
		running := true
		c.Running = &running
	}
	return nil
}

// pairOrEmpty is a target-storage map entry from to target, or "".
func pairOrEmpty(from, target string) string {
	if target == "" {
		return ""
	}
	return from + ":" + target
}

// moveRootDisk moves the root disk to another storage of its node: PVE
// moves no volume of a running container, so a running one is shut down
// first and started again after, also when the move failed (the old disk
// is then still its rootfs).
func (d *Service) moveRootDisk(ctx context.Context, node string, vmid int, from, to string, log *stepLog) error {
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if err != nil {
		return err
	}
	running := st.Status == "running"
	if running {
		if err := log.run(ctx, "stop", func() (string, error) {
			return "for the root disk's move", d.Client.ShutdownGuest(ctx, node, vmid, 60)
		}); err != nil {
			return err
		}
	}
	moveErr := log.run(ctx, "move root disk", func() (string, error) {
		return fmt.Sprintf("from storage %s to %s", from, to), d.Client.MoveContainerVolume(ctx, node, vmid, "rootfs", to, true)
	})
	if running {
		if err := log.run(ctx, "start", func() (string, error) { return "", d.Client.StartGuest(ctx, node, vmid) }); err != nil && moveErr == nil {
			return err
		}
	}
	return moveErr
}

// sharedStorage reports whether a storage of a node is shared (the same
// content on every node, so a migration does not copy its volumes).
func (d *Service) sharedStorage(ctx context.Context, node, storage string) (bool, error) {
	storages, err := d.Client.Storages(ctx, node)
	if err != nil {
		return false, err
	}
	for _, s := range storages {
		if s.ID == storage {
			return s.Shared == 1, nil
		}
	}
	return false, nil
}

// Locate finds the node a container is on from the cluster's listing
// (found false when it is on none): after a failed move it may already be
// on the target.
func (d *Service) Locate(ctx context.Context, vmid int) (node string, found bool, err error) {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return "", false, err
	}
	for _, g := range guests {
		if g.VMID == vmid {
			return g.Node, true, nil
		}
	}
	return "", false, nil
}

// ObserveElsewhere reads a container that its node no longer has where the
// cluster lists it now: migrated out of band (HA, pct migrate, a node's
// maintenance), it keeps its VMID. found is false when no other node has
// it. It only reads (one cluster listing, and the container's read there):
// a refresh calls it, and whether the container is still the app is the
// caller's question (Owns).
func (d *Service) ObserveElsewhere(ctx context.Context, node string, vmid int) (at string, o Observed, found bool, err error) {
	at, found, err = d.Locate(ctx, vmid)
	if err != nil || !found || at == node {
		return "", Observed{}, false, err
	}
	if o, err = d.Observe(ctx, at, vmid); err != nil || o.Gone {
		return "", Observed{}, false, err // gone again meanwhile: nowhere
	}
	return at, o, true, nil
}

// RelocationError is a move PVE cannot make in place, or that would leave
// the app unable to run; Attribute names the setting it is about (node or
// storage).
type RelocationError struct {
	Attribute string
	Reason    string
}

func (e *RelocationError) Error() string { return e.Reason }

// PlannedRelocation is a move a plan makes: the container's current place,
// where it goes, and the size of the app.
type PlannedRelocation struct {
	VMID                  int
	FromNode, FromStorage string
	ToNode, ToStorage     string // empty: stays
	MemoryMB, DiskGB      int
}

// CheckRelocation checks at plan time what a move needs of its target, as
// a create checks its node: the node is in the cluster and online
// (*NodeError), has the memory the app asks for, and the storage the root
// disk ends on takes container disks there (enabled, active, content
// rootdir) with room for it; a migration also needs the disk on a storage
// PVE's migration can copy. The target's bridge is checked as a create's
// (CheckNodeBridge). A failed listing is left to the apply.
func (d *Service) CheckRelocation(ctx context.Context, p PlannedRelocation) error {
	node, storage := p.FromNode, p.FromStorage
	migrating := p.ToNode != "" && p.ToNode != p.FromNode
	if migrating {
		if err := d.checkTargetNode(ctx, p.ToNode, p.MemoryMB); err != nil {
			return err
		}
		node = p.ToNode
	}
	if p.ToStorage != "" {
		storage = p.ToStorage
	}
	if !migrating && storage == p.FromStorage {
		return nil
	}
	storages, err := d.Client.Storages(ctx, node)
	if err != nil {
		return nil
	}
	if migrating && p.FromStorage != "" {
		if err := d.checkMigratable(ctx, p.FromNode, p.FromStorage); err != nil {
			return err
		}
	}
	if migrating {
		if err := d.checkMountPoints(ctx, p, storages); err != nil {
			return err
		}
	}
	attribute := "storage"
	if storage == p.FromStorage {
		attribute = "node" // the disk stays on its storage's id, which the new node must have
	}
	return volumeStorage(storages, volumeAt{node, storage, "the root disk", p.DiskGB}, attribute, storage != p.FromStorage)
}

// checkTargetNode is a migration's target: in the cluster, online, with the
// app's memory free.
func (d *Service) checkTargetNode(ctx context.Context, node string, memoryMB int) error {
	nodes, err := d.Client.Nodes(ctx)
	if err != nil {
		return nil
	}
	if err := checkNode(nodes, node); err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Name == node && n.MemoryFree() < int64(memoryMB)<<20 {
			return &RelocationError{Attribute: "node", Reason: fmt.Sprintf("node %s has %d MB of memory free, and the app needs %d MB; "+
				"choose another node or free memory there", node, n.MemoryFree()>>20, memoryMB)}
		}
	}
	return nil
}

// checkMigratable refuses a root disk on a local storage whose type PVE's
// migration cannot copy.
func (d *Service) checkMigratable(ctx context.Context, node, storage string) error {
	storages, err := d.Client.Storages(ctx, node)
	if err != nil {
		return nil
	}
	for _, s := range storages {
		if s.ID == storage && s.Shared == 0 && !slices.Contains(migratableStorageTypes, s.Type) {
			return &RelocationError{Attribute: "node", Reason: fmt.Sprintf("the root disk is on storage %s of type %s, which PVE's migration "+
				"cannot copy to another node (it copies %s); move the disk to such a storage first", storage, s.Type,
				strings.Join(migratableStorageTypes, ", "))}
		}
	}
	return nil
}

// checkMountPoints checks a migration's other mount points (Migrate.pm
// prepare): a bind or device mount point moves only when marked shared
// (the path must then exist on every node), and a volume stays on its
// storage's id, which the new node must have for container disks.
func (d *Service) checkMountPoints(ctx context.Context, p PlannedRelocation, target []pveclient.Storage) error {
	cfg, err := d.Client.ContainerConfig(ctx, p.FromNode, p.VMID)
	if err != nil {
		return nil // left to the apply
	}
	for _, i := range slices.Sorted(maps.Keys(cfg.MountPoints)) {
		mp := cfg.MountPoints[i]
		if strings.HasPrefix(mp.Volume, "/") {
			if mp.Shared != nil && *mp.Shared {
				continue
			}
			kind := "bind"
			if strings.HasPrefix(mp.Volume, "/dev/") {
				kind = "device"
			}
			return &RelocationError{Attribute: "node", Reason: fmt.Sprintf("CT %d has the local %s mount point mp%d (%s), which PVE does not "+
				"migrate (\"cannot migrate local %s mount point\"); mark it shared=1 when the path is the same on every node, or remove it",
				p.VMID, kind, i, mp.Volume, kind)}
		}
		if sid := mp.Storage(); sid != p.FromStorage {
			if err := volumeStorage(target, volumeAt{p.ToNode, sid, fmt.Sprintf("mount point mp%d (it stays on its storage)", i), 0},
				"node", false); err != nil {
				return err
			}
		}
	}
	return nil
}

// volumeAt is a container volume where a move puts it: a node's storage.
type volumeAt struct {
	node, storage, what string
	diskGB              int
}

// volumeStorage checks that a node's storage can hold a volume: a copy of
// it needs room there, unless it stays where it is on a shared storage
// (moving is false: the same storage id).
func volumeStorage(storages []pveclient.Storage, v volumeAt, attribute string, moving bool) error {
	node, storage, diskGB := v.node, v.storage, v.diskGB
	var takers []string
	for _, s := range usableStorages(storages, "rootdir") {
		takers = append(takers, s.ID)
	}
	advice := fmt.Sprintf("storages of %s that do: %s", node, strings.Join(takers, ", "))
	if len(takers) == 0 {
		advice = fmt.Sprintf("%s has none", node)
	}
	for _, s := range storages {
		if s.ID != storage {
			continue
		}
		if s.Enabled != 1 || s.Active != 1 || !s.Holds("rootdir") {
			break
		}
		if need := int64(diskGB) << 30; (moving || s.Shared == 0) && s.Avail > 0 && s.Avail < need {
			return &RelocationError{Attribute: attribute, Reason: fmt.Sprintf("storage %s on %s has %d GB free, and %s needs %d GB",
				storage, node, s.Avail>>30, v.what, diskGB)}
		}
		return nil
	}
	return &RelocationError{Attribute: attribute, Reason: fmt.Sprintf("storage %s on %s cannot hold %s: PVE puts container disks "+
		"only on an enabled, active storage with content rootdir (alloc_disk: \"content type 'rootdir' is not available\"); %s",
		storage, node, v.what, advice)}
}
