package deploy

import (
	"strings"
	"testing"
)

// TestRewrittenMountPointKeepsItsOtherOptions: a mount point the app
// rewrites (read_only or backup toggled) keeps the options an admin set
// and the app does not own: shared=1 on a bind mount (which a migration
// needs), mountoptions and acl on a volume.
func TestRewrittenMountPointKeepsItsOtherOptions(t *testing.T) {
	cfg := configOf(t, map[string]string{
		"mp0": "local-lvm:vm-101-disk-1,mp=/data,acl=1,backup=1,mountoptions=noatime,size=10G",
		"mp1": "/srv/media,mp=/media,shared=1",
	})
	p, err := planMounts(cfg, Mounts{MountPoints: []MountPoint{{Path: "/data", SizeGB: 10}, {Path: "/media", HostPath: "/srv/media", ReadOnly: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.api.MountPoints[0].String(); !strings.Contains(got, "acl=1") || !strings.Contains(got, "mountoptions=noatime") ||
		!strings.Contains(got, "backup=0") {
		t.Errorf("mp0 rewritten as %q, want backup=0 with acl=1 and mountoptions=noatime kept", got)
	}
	if got := p.rootCommand(101); !strings.Contains(got, "shared=1") || !strings.Contains(got, "ro=1") {
		t.Errorf("root command %q, want mp1 with ro=1 and shared=1 kept", got)
	}
}
