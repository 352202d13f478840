package backups

import (
	"context"
	"fmt"
	"sort"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// DefaultStorageRule is the rule, in words, for the documentation and for
// errors. A backup is worth most where the container is not: a Proxmox
// Backup Server keeps it off the nodes (deduplicated, verified, with its own
// retention), another shared storage (NFS, CIFS, CephFS) survives the node
// and can be restored on any node; a node-local storage dies with the node,
// and the container's own rootfs storage also fills up with the app. Within
// one rank the name decides, so that plan, apply and every later run choose
// the same storage (free space changes between them).
//
// PVE's own default when vzdump gets no storage is the `storage` of
// /etc/vzdump.conf, else `local` (PVE/VZDump.pm get_storage_param): a
// node-local directory on the root disk. The provider does not follow it:
// it always names the storage, records it in state, and prefers one that
// outlives the node; set `storage` to use the node's vzdump default.
const DefaultStorageRule = "the node's storages that are enabled, active and take `backup` content, " +
	"preferring a Proxmox Backup Server, then another shared storage (NFS, CIFS, CephFS), then a local " +
	"storage other than the container's rootfs storage, then the rootfs storage; by name within each rank"

// storageRank orders storages for DefaultStorageRule: lower is better.
func storageRank(st pveclient.Storage, rootfs string) int {
	switch {
	case st.Type == "pbs":
		return 0
	case st.Shared == 1:
		return 1
	case st.ID != rootfs:
		return 2
	}
	return 3
}

// ChooseStorage applies DefaultStorageRule to a node's storages; rootfs is
// the storage of the container's root disk ("" when unknown).
func ChooseStorage(node string, storages []pveclient.Storage, rootfs string) (string, error) {
	var candidates []pveclient.Storage
	for _, st := range storages {
		if Takes(st) {
			candidates = append(candidates, st)
		}
	}
	if len(candidates) == 0 {
		return "", fmt.Errorf("node %s has no storage for backups (enabled, active, with backup content); "+
			"add backup to a storage's content, or set storage", node)
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		ri, rj := storageRank(candidates[i], rootfs), storageRank(candidates[j], rootfs)
		if ri != rj {
			return ri < rj
		}
		return candidates[i].ID < candidates[j].ID
	})
	return candidates[0].ID, nil
}

// defaultStorage is where a backup goes when the configuration names no
// storage (DefaultStorageRule).
func (s *Service) defaultStorage(ctx context.Context, node string, vmid int) (string, error) {
	storages, err := s.Client.Storages(ctx, node)
	if err != nil {
		return "", err
	}
	cfg, err := s.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	rootfs := ""
	if cfg.RootFS != nil {
		rootfs = cfg.RootFS.Storage()
	}
	return ChooseStorage(node, storages, rootfs)
}
