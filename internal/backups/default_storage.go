package backups

import (
	"context"
	"errors"
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
// Before that rule comes the one an administrator set: vzdump's own default
// is the `storage` of /etc/vzdump.conf, else `local` (PVE/VZDump.pm
// get_storage_param), read through GET /nodes/{node}/vzdump/defaults. A
// storage set there is taken when it takes backups on the node; `local` is
// only PVE's fallback (a directory on the node's root disk), so it does not
// count as chosen, and the rule decides.
const DefaultStorageRule = "the node's vzdump default (`storage` in `/etc/vzdump.conf`) when it is set to a storage " +
	"other than `local` that takes backups; otherwise, among the node's storages that are enabled, active and take `backup` content, " +
	"a Proxmox Backup Server, then another shared storage (NFS, CIFS, CephFS), then a local " +
	"storage other than the container's rootfs storage, then the rootfs storage; by name within each rank"

// pveFallbackStorage is vzdump's storage when vzdump.conf names none.
const pveFallbackStorage = "local"

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
// the storage of the container's root disk, configured the storage
// vzdump.conf names ("" when unknown).
func ChooseStorage(node string, storages []pveclient.Storage, rootfs, configured string) (string, error) {
	var candidates []pveclient.Storage
	for _, st := range storages {
		if Takes(st) {
			if st.ID == configured && configured != pveFallbackStorage {
				return st.ID, nil
			}
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
	// An identity that may not read the defaults (Datastore.Audit on the
	// configured storage) gets the rule without them.
	defaults, err := s.Client.VzdumpDefaults(ctx, node, "")
	var api *pveclient.APIError
	if err != nil && !errors.As(err, &api) {
		return "", err
	}
	return ChooseStorage(node, storages, rootfs, defaults.Storage)
}
