package deploy

import (
	"errors"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// stg is a storage as GET /nodes/{node}/storage lists it: a disabled one,
// or one of another node, with enabled=0 and no sizes (pve-storage
// Storage.pm storage_info).
func stg(id, content string, avail int64, shared, enabled, active int) pveclient.Storage {
	return pveclient.Storage{ID: id, Content: content, Avail: avail, Shared: shared, Enabled: enabled, Active: active}
}

func TestRootfsStorageRule(t *testing.T) {
	const gib = int64(1) << 30
	// Each case offers two storages, in the order the node lists them.
	cases := []struct {
		name        string
		first, then pveclient.Storage
		want        string
	}{
		{"local before a bigger shared one",
			stg("nas", "rootdir,images,vztmpl", 1000*gib, 1, 1, 1), stg("local-lvm", "rootdir,images", 100*gib, 0, 1, 1), "local-lvm"},
		{"then the most free space",
			stg("local-lvm", "rootdir,images", 100*gib, 0, 1, 1), stg("tank", "rootdir,images", 300*gib, 0, 1, 1), "tank"},
		{"then the name", stg("zz", "rootdir", 100*gib, 0, 1, 1), stg("aa", "rootdir", 100*gib, 0, 1, 1), "aa"},
		// A disabled storage keeps its content list; a client that trusted
		// the sizes of an inactive one would see what it last knew.
		{"never a disabled one", stg("off", "rootdir", 900*gib, 0, 0, 0), stg("nas", "rootdir", 10*gib, 1, 1, 1), "nas"},
		{"never an inactive one", stg("down", "rootdir", 900*gib, 0, 1, 0), stg("local-lvm", "rootdir", 10*gib, 0, 1, 1), "local-lvm"},
		{"only storages for container disks",
			stg("local", "vztmpl,iso,backup", 900*gib, 0, 1, 1), stg("local-lvm", "rootdir,images", 10*gib, 0, 1, 1), "local-lvm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := rootStorage("pve1", []pveclient.Storage{tc.first, tc.then}); err != nil || got != tc.want {
				t.Errorf("rootfs storage %q (%v), want %q", got, err, tc.want)
			}
		})
	}
	_, err := rootStorage("pve1", []pveclient.Storage{stg("off", "rootdir", 0, 0, 0, 0), stg("local", "vztmpl", 9*gib, 0, 1, 1)})
	var se *StorageError
	if !errors.As(err, &se) || se.Node != "pve1" || se.Content != "rootdir" || len(se.Skipped) != 1 || se.Skipped[0] != "off" {
		t.Errorf("no usable storage: %v", err)
	}
}
