package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRawLxcKeysPVEKeeps follows pve-container src/PVE/LXC/Config.pm
// parse_pct_config and is_valid_lxc_conf_key: a raw line is kept for a key
// of $valid_lxc_conf_keys, a deprecated lxc 2 name, lxc.limit.*, and the
// lxc.cgroup.*, lxc.cgroup2.*, lxc.prlimit.* and lxc.net.* families; a key
// with a reason (lxc.rootfs.path) or an unknown one is warned about and left
// out, so the next write of the file drops it. PVE 9 (master) adds the OCI
// keys lxc.init.uid/gid/cwd/groups, which PVE 8 (stable-bookworm) refuses.
func TestRawLxcKeysPVEKeeps(t *testing.T) {
	lines := []string{
		"lxc.apparmor.profile: unconfined",
		"lxc.cgroup2.devices.allow: a",
		"lxc.prlimit.nofile: 65536",
		"lxc.net.1.type: veth",
		"lxc.aa_profile: unconfined",
		"lxc.rootfs.path: /tmp/x",
		"lxc.no.such.key: 1",
		"lxc.init.uid: 1000",
	}
	for _, tc := range []struct {
		release string
		want    []string
	}{
		{"8.4", []string{"lxc.apparmor.profile", "lxc.cgroup2.devices.allow", "lxc.prlimit.nofile", "lxc.net.1.type", "lxc.aa_profile"}},
		{"9.1", []string{"lxc.apparmor.profile", "lxc.cgroup2.devices.allow", "lxc.prlimit.nofile", "lxc.net.1.type", "lxc.aa_profile", "lxc.init.uid"}},
	} {
		t.Run(tc.release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: tc.release})
			createCT(t, sim, "pve1", 100, nil)
			onNode(t, sim, "pve1", "printf '"+strings.Join(lines, `\n`)+`\n' >> /etc/pve/lxc/100.conf`)
			raw, _ := ctConfig(t, sim, "pve1", 100)["lxc"].([]any)
			var got []string
			for _, e := range raw {
				got = append(got, mustString(t, mustSlice(t, e)[0]))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("lxc keys kept: %v, want %v", got, tc.want)
			}
			call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"cores": {"2"}})
			if text := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf"); strings.Contains(text, "lxc.rootfs.path") ||
				strings.Contains(text, "lxc.no.such.key") {
				t.Errorf("the next write kept refused lines:\n%s", text)
			}
		})
	}
}
