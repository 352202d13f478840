package deploy

import (
	"errors"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestCheckMountPoints pins the plan-time rules: verify_lxc_mp_string's
// illegal sequences (pve-container src/PVE/LXC/Config.pm), absolute paths,
// no "/", each path once, a volume's size at least 1, a bind mount without
// size.
func TestCheckMountPoints(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mps   []MountPoint
		field string // "" when accepted
		want  string
	}{
		{"volume", []MountPoint{{Path: "/data", SizeGB: 8}}, "", ""},
		{"bind", []MountPoint{{Path: "/media", HostPath: "/srv/media", ReadOnly: true}}, "", ""},
		{"relative", []MountPoint{{Path: "data", SizeGB: 1}}, "path", "not an absolute path"},
		{"root", []MountPoint{{Path: "/", SizeGB: 1}}, "path", "root disk"},
		{"root with slash", []MountPoint{{Path: "//", SizeGB: 1}}, "path", "root disk"},
		{"dot dot", []MountPoint{{Path: "/data/../etc", SizeGB: 1}}, "path", "illegal character sequences"},
		{"trailing dot", []MountPoint{{Path: "/data/.", SizeGB: 1}}, "path", "illegal character sequences"},
		{"comma", []MountPoint{{Path: "/a,b", SizeGB: 1}}, "path", "comma"},
		{"duplicate", []MountPoint{{Path: "/data", SizeGB: 1}, {Path: "/data/", HostPath: "/srv"}}, "path", "mount point 0's path too"},
		{"size zero", []MountPoint{{Path: "/data"}}, "size_gb", "at least 1"},
		{"bind relative host", []MountPoint{{Path: "/m", HostPath: "srv"}}, "host_path", "not an absolute path"},
		{"bind with size", []MountPoint{{Path: "/m", HostPath: "/srv", SizeGB: 2}}, "size_gb", "a bind mount has no size_gb"},
		{"bind with storage", []MountPoint{{Path: "/m", HostPath: "/srv", Storage: "local-lvm"}}, "storage", "a bind mount has no storage"},
		{"bind in backups", []MountPoint{{Path: "/m", HostPath: "/srv", Backup: true}}, "backup", "a bind mount has no backup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := CheckMountPoints(tc.mps)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs[0])
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Reason, tc.want) {
				t.Fatalf("errors %v, want one on %s with %q", errs, tc.field, tc.want)
			}
		})
	}
}

// TestCheckDevices pins verify_lxc_dev_string and $dev_desc's mode pattern.
func TestCheckDevices(t *testing.T) {
	uid := 0
	if errs := CheckDevices([]Device{{Path: "/dev/dri/renderD128", Mode: "0666", UID: &uid}}); len(errs) != 0 {
		t.Fatalf("refused: %v", errs[0])
	}
	for _, tc := range []struct {
		d     []Device
		field string
	}{
		{[]Device{{Path: "/tmp/x"}}, "path"},
		{[]Device{{Path: "/dev/../etc/shadow"}}, "path"},
		{[]Device{{Path: "/dev/dri/."}}, "path"},
		{[]Device{{Path: "/dev/null"}, {Path: "/dev/null"}}, "path"},
		{[]Device{{Path: "/dev/null", Mode: "666"}}, "mode"},
		{[]Device{{Path: "/dev/null", Mode: "0668"}}, "mode"},
	} {
		if errs := CheckDevices(tc.d); len(errs) != 1 || errs[0].Field != tc.field {
			t.Errorf("CheckDevices(%v) = %v, want one error on %s", tc.d, errs, tc.field)
		}
	}
}

// TestDeviceString prints as print_property_string does (the default key
// bare, then the others sorted) and reads back.
func TestDeviceString(t *testing.T) {
	uid, gid := 0, 44
	d := Device{Path: "/dev/dri/renderD128", Mode: "0660", UID: &uid, GID: &gid}
	if got, want := d.String(), "/dev/dri/renderD128,gid=44,mode=0660,uid=0"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	back, err := parseDevice("path=/dev/dri/renderD128,uid=0,mode=0660,gid=44")
	if err != nil || !sameDevice(back, d) {
		t.Fatalf("parseDevice = %+v, %v", back, err)
	}
	if _, err := parseDevice("mode=0660"); err == nil || err.Error() != "Path has to be defined" {
		t.Fatalf("a device without path: %v", err)
	}
}

func configOf(t *testing.T, options map[string]string) *pveclient.ContainerConfig {
	t.Helper()
	raw := `{"rootfs":"local-lvm:vm-101-disk-0,size=8G"`
	for k, v := range options {
		raw += `,"` + k + `":"` + v + `"`
	}
	var cfg pveclient.ContainerConfig
	if err := cfg.UnmarshalJSON([]byte(raw + "}")); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// TestPlanMountsNew: a new volume goes through the API on the root disk's
// storage (STORAGE:GB, which PVE allocates), a bind mount and a device
// through pct set as root; nothing new needs a restart (PVE hot-plugs new
// mount points).
func TestPlanMountsNew(t *testing.T) {
	cfg := configOf(t, map[string]string{"mp0": "/srv/old,mp=/old"})
	p, err := planMounts(cfg, Mounts{
		MountPoints: []MountPoint{{Path: "/old", HostPath: "/srv/old"}, {Path: "/data", SizeGB: 4, Backup: true},
			{Path: "/media", HostPath: "/srv/media", ReadOnly: true}},
		Devices: []Device{{Path: "/dev/dri/renderD128", Mode: "0666"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.api.MountPoints[1].String(); got != "local-lvm:4,mp=/data,backup=1" {
		t.Errorf("mp1 = %q", got)
	}
	if got, want := p.rootCommand(101), "pct set 101 --mp2 /srv/media,mp=/media,ro=1 --dev0 /dev/dri/renderD128,mode=0666"; got != want {
		t.Errorf("root command %q, want %q", got, want)
	}
	if p.api.Changes() != 1 || len(p.resizes) != 0 {
		t.Errorf("api %+v resizes %v", p.api, p.resizes)
	}
	if !p.restart { // the device waits for the start
		t.Error("a new device on a running container is applied only at its start: restart expected")
	}
}

// TestPlanMountsChange: a larger size grows the volume (a smaller one is no
// change: size_gb is a minimum), a removed volume is deleted from the
// config (PVE keeps it as unusedN), a removed bind mount and device go
// through pct set, and a volume asked on another storage is refused.
func TestPlanMountsChange(t *testing.T) {
	cfg := configOf(t, map[string]string{
		"mp0": "local-lvm:vm-101-disk-1,mp=/data,backup=1,size=10G", "mp1": "local-lvm:vm-101-disk-2,mp=/cache,size=2G",
		"mp3": "/srv/media,mp=/media", "dev0": "/dev/dri/renderD128",
	})
	p, err := planMounts(cfg, Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 12, Backup: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.resizes[0] != 12 || len(p.resizes) != 1 {
		t.Errorf("resizes %v, want mp0 to 12", p.resizes)
	}
	if strings.Join(p.api.Delete, ",") != "mp1" || p.api.MountPoints != nil {
		t.Errorf("api %+v, want mp1 deleted only", p.api)
	}
	if got, want := p.rootCommand(101), "pct set 101 --delete mp3,dev0"; got != want {
		t.Errorf("root command %q, want %q", got, want)
	}
	if !p.restart {
		t.Error("a removal waits for the next start on a running container")
	}
	p, err = planMounts(cfg, Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 4, Backup: true}, {Path: "/cache", SizeGB: 2},
		{Path: "/media", HostPath: "/srv/media"}}, Devices: []Device{{Path: "/dev/dri/renderD128"}}})
	if err != nil || len(p.done) != 0 || p.restart {
		t.Errorf("an unchanged set (a smaller size_gb is no change) plans %v, restart %v, %v", p.done, p.restart, err)
	}
	p, err = planMounts(cfg, Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 10}}})
	if err != nil || p.api.MountPoints[0].String() != "local-lvm:vm-101-disk-1,mp=/data,backup=0,size=10G" {
		t.Errorf("backup off rewrites mp0 with its volume and size: %+v, %v", p.api.MountPoints, err)
	}
	_, err = planMounts(cfg, Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 10, Storage: "nfs"}}})
	var move *StorageMoveError
	if !errors.As(err, &move) || move.Has != "local-lvm" {
		t.Errorf("a storage change: %v, want a StorageMoveError", err)
	}
}

// TestObservedMounts reads mpN and devN back in key order.
func TestObservedMounts(t *testing.T) {
	cfg := configOf(t, map[string]string{"mp2": "/srv/m,mp=/m,ro=1", "mp0": "local-lvm:vm-101-disk-1,mp=/data,backup=1,size=8G",
		"dev1": "/dev/net/tun", "dev0": "/dev/dri/renderD128,gid=44"})
	mps := ObservedMountPoints(cfg)
	if len(mps) != 2 || mps[0] != (MountPoint{Path: "/data", Storage: "local-lvm", SizeGB: 8, Backup: true, Volume: "local-lvm:vm-101-disk-1"}) ||
		mps[1] != (MountPoint{Path: "/m", HostPath: "/srv/m", ReadOnly: true}) {
		t.Errorf("mount points %+v", mps)
	}
	devs := ObservedDevices(cfg)
	if len(devs) != 2 || devs[0].String() != "/dev/dri/renderD128,gid=44" || devs[1].Path != "/dev/net/tun" {
		t.Errorf("devices %+v", devs)
	}
}

// TestMountsRestart is the plan's view of the apply's rule, from what a
// read found: new mount points alone are hot-plugged; a removal, a changed
// flag and a device change wait for the start, so the running container
// restarts.
func TestMountsRestart(t *testing.T) {
	have := []MountPoint{{Path: "/data", Storage: "local-lvm", SizeGB: 2, Backup: true, Volume: "local-lvm:vm-100-disk-1"}}
	for _, tc := range []struct {
		name string
		want Mounts
		ok   bool
	}{
		{"unchanged and grown", Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 4, Backup: true}}}, false},
		{"a new volume and bind mount", Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 2, Backup: true},
			{Path: "/c", SizeGB: 1}, {Path: "/m", HostPath: "/srv"}}}, false},
		{"removed", Mounts{}, true},
		{"backup off", Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 2}}}, true},
		{"a device", Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 2, Backup: true}}, Devices: []Device{{Path: "/dev/net/tun"}}}, true},
	} {
		if got, err := MountsRestart(have, nil, tc.want); err != nil || got != tc.ok {
			t.Errorf("%s: restart %v, %v; want %v", tc.name, got, err, tc.ok)
		}
	}
}
