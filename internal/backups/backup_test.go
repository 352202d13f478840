package backups

import (
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A storage takes backups only when it is enabled, active on the node and
// has backup among its content types, as PVE lists them.
func TestTakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   pveclient.Storage
		want bool
	}{
		{"backup storage", pveclient.Storage{Content: "iso,backup,vztmpl", Active: 1, Enabled: 1}, true},
		{"no backup content", pveclient.Storage{Content: "rootdir,images", Active: 1, Enabled: 1}, false},
		{"disabled", pveclient.Storage{Content: "backup", Active: 0, Enabled: 0}, false},
		{"another node's", pveclient.Storage{Content: "backup", Active: 0, Enabled: 1}, false},
		{"content prefix only", pveclient.Storage{Content: "backups", Active: 1, Enabled: 1}, false},
	} {
		if got := Takes(tc.st); got != tc.want {
			t.Errorf("%s: Takes = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The default backup storage is chosen by rank, not by name: a Proxmox
// Backup Server, then another shared storage, then a local one other than
// the container's rootfs storage, then the rootfs storage; names break ties.
func TestChooseStorage(t *testing.T) {
	st := func(id, typ string, shared int) pveclient.Storage {
		return pveclient.Storage{ID: id, Type: typ, Shared: shared, Content: "backup,rootdir", Active: 1, Enabled: 1}
	}
	disabledPBS := st("a-pbs", "pbs", 1)
	disabledPBS.Enabled, disabledPBS.Active = 0, 0
	for _, tc := range []struct {
		name     string
		storages []pveclient.Storage
		rootfs   string
		// configured is vzdump.conf's storage, as the vzdump defaults give it.
		configured string
		want       string
	}{
		{"pbs over nfs and local", []pveclient.Storage{st("aaa", "dir", 0), st("nas", "nfs", 1), st("zpbs", "pbs", 1)}, "aaa", "", "zpbs"},
		{"shared over local", []pveclient.Storage{st("aaa", "dir", 0), st("nas", "nfs", 1)}, "", "", "nas"},
		{"not the rootfs storage", []pveclient.Storage{st("a-data", "dir", 0), st("b-backup", "dir", 0)}, "a-data", "", "b-backup"},
		{"the rootfs storage when alone", []pveclient.Storage{st("local", "dir", 0)}, "local", "", "local"},
		{"by name within a rank", []pveclient.Storage{st("nas2", "cifs", 1), st("nas1", "nfs", 1)}, "", "", "nas1"},
		{"disabled never", []pveclient.Storage{disabledPBS, st("local", "dir", 0)}, "", "", "local"},
		{"vzdump.conf's storage first", []pveclient.Storage{st("nas", "nfs", 1), st("b-backup", "dir", 0)}, "", "b-backup", "b-backup"},
		{"local is only PVE's fallback", []pveclient.Storage{st("nas", "nfs", 1), st("local", "dir", 0)}, "", "local", "nas"},
		{"vzdump.conf's storage when it takes backups", []pveclient.Storage{disabledPBS, st("local", "dir", 0)}, "", "a-pbs", "local"},
	} {
		got, err := ChooseStorage("pve1", tc.storages, tc.rootfs, tc.configured)
		if err != nil || got != tc.want {
			t.Errorf("%s: ChooseStorage = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := ChooseStorage("pve1", []pveclient.Storage{{ID: "x", Content: "rootdir", Active: 1, Enabled: 1}}, "", ""); err == nil {
		t.Error("a node without backup storage gave a storage")
	}
}

// A retention as vzdump applies it (Storage.pm prune_mark_backup_group):
// keep-all keeps everything, and so does a prune-backups without any count;
// keep-last is kept for sure, and one backup when only periods are kept.
func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		value   string
		keepAll bool
		kept    int
	}{
		{"keep-all=1", true, -1},
		{"keep-last=2,keep-weekly=4", false, 2},
		{"keep-daily=7", false, 1},
		{"keep-last=0", true, -1},
	} {
		r, err := ParseRetention(tc.value)
		if err != nil || r.KeepAll != tc.keepAll || r.Kept() != tc.kept || r.Setting != "prune-backups "+tc.value {
			t.Errorf("ParseRetention(%q) = %+v, %v", tc.value, r, err)
		}
	}
	if _, err := ParseRetention("keep-last=x"); err == nil {
		t.Error("keep-last=x parsed")
	}
}
