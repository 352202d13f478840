package deploy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// usableStorages are the storages of a node that can take content now,
// ranked by the rule that chooses the template storage and the rootfs
// storage (documented on the application resource's storage attribute):
//
//  1. Only enabled and active ones. GET /nodes/{node}/storage lists every
//     storage of storage.cfg: disabled ones and those restricted to other
//     nodes with enabled=0, ones that failed to activate with active=0
//     (pve-storage Storage.pm storage_info). PVE refuses to put anything on
//     the former and cannot on the latter.
//  2. Local before shared: a container disk on network storage (NFS, CIFS,
//     CephFS...) runs at the network's speed and stops with it; a shared
//     storage is what an admin sets up for backups, ISOs and migration, and
//     is the wrong default for every app's root disk.
//  3. Then the most free space, then the name, so that the choice is the
//     same on every run.
func usableStorages(storages []pveclient.Storage, content string) []pveclient.Storage {
	var out []pveclient.Storage
	for _, s := range storages {
		if s.Enabled == 1 && s.Active == 1 && s.Holds(content) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b pveclient.Storage) int {
		return cmp.Or(cmp.Compare(a.Shared, b.Shared), cmp.Compare(b.Avail, a.Avail), strings.Compare(a.ID, b.ID))
	})
	return out
}

// StorageError is a node without a usable storage for a content type.
type StorageError struct {
	Node    string
	Content string   // rootdir or vztmpl
	Skipped []string // storages that take the content but are disabled or inactive
}

func (e *StorageError) Error() string {
	what := map[string]string{"rootdir": "container disks", "vztmpl": "templates"}[e.Content]
	msg := fmt.Sprintf("node %s has no enabled and active storage for %s (content %s)", e.Node, what, e.Content)
	if len(e.Skipped) > 0 {
		msg += "; disabled or inactive there: " + strings.Join(e.Skipped, ", ")
	}
	return msg + "; enable one, or add " + e.Content + " to the content of a storage of the node (Datacenter > Storage)"
}

// chooseStorage is the first storage by usableStorages' rule.
func chooseStorage(node string, storages []pveclient.Storage, content string) (pveclient.Storage, error) {
	if usable := usableStorages(storages, content); len(usable) > 0 {
		return usable[0], nil
	}
	e := &StorageError{Node: node, Content: content}
	for _, s := range storages {
		if s.Holds(content) {
			e.Skipped = append(e.Skipped, s.ID)
		}
	}
	return pveclient.Storage{}, e
}

// rootStorage is the storage of a new container's root disk when the
// configuration names none.
func rootStorage(node string, storages []pveclient.Storage) (string, error) {
	s, err := chooseStorage(node, storages, "rootdir")
	return s.ID, err
}
