package pvesim

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Device passthrough as pve-container's update_vm treats it:
// check_ct_modify_config_perm (src/PVE/LXC.pm) gives devN to root@pam
// alone, update_pct_config (src/PVE/LXC/Config.pm) runs parse_device and
// get_device_mode_and_rdev (src/PVE/LXC/Tools.pm) on the host, and the value
// is stored as given; a running container gets it only at its next start
// (vmconfig_hotplug_pending has no devN case in PVE 8).
func TestDevicePassthrough(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"dev0": {"/dev/dri/renderD128"}})
	if r.Status != 403 || !strings.Contains(r.Reason, "configuring device passthrough is only allowed for root@pam") {
		t.Errorf("token device: %d %q", r.Status, r.Reason)
	}
	onNode(t, sim, "pve1", "pct set 100 --dev0 /dev/dri/renderD128,mode=0666,gid=44")
	if got := ctConfig(t, sim, "pve1", 100)["dev0"]; got != "/dev/dri/renderD128,mode=0666,gid=44" {
		t.Errorf("dev0 = %v, want the value as given", got)
	}
	for script, want := range map[string]string{
		"pct set 100 --dev1 /dev/dri/renderD129": "Device /dev/dri/renderD129 does not exist",
		"pct set 100 --dev1 /dev/dri":            "/dev/dri is not a device",
		"pct set 100 --dev1 mode=0666":           "Path has to be defined",
	} {
		var out, errb bytes.Buffer
		code, err := sim.RunOnNode(context.Background(), "pve1", script, nil, &out, &errb)
		if err != nil || code == 0 || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: exit %d %v %q, want %q", script, code, err, errb.String(), want)
		}
	}
	if _, ok := ctConfig(t, sim, "pve1", 100)["dev1"]; ok {
		t.Error("a refused device was stored")
	}
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil)
	onNode(t, sim, "pve1", "pct set 100 --dev1 /dev/net/tun")
	current := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})
	if _, ok := mustMap(t, data(current))["dev1"]; ok {
		t.Error("dev1 was applied to a running container; PVE 8 keeps it pending until the next start")
	}
	if pending := onNode(t, sim, "pve1", "pct pending 100"); !strings.Contains(pending, "new dev1: /dev/net/tun") {
		t.Errorf("pct pending: %q", pending)
	}
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/reboot", nil)
	if got := ctConfig(t, sim, "pve1", 100)["dev1"]; got != "/dev/net/tun" {
		t.Errorf("dev1 after the reboot = %v", got)
	}
}

// The path formats of mount points and devices are checked with the
// request's parameters, as check_format runs verify_lxc_mp_string and
// verify_lxc_dev_string (pve-container src/PVE/LXC/Config.pm): a 400 naming
// the key inside the property string.
func TestMountAndDevicePathFormats(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	for _, tc := range []struct{ param, value, key, want string }{
		{"mp0", "local-lvm:1,mp=/data/../etc", "mp0.mp", "invalid format - /data/../etc contains illegal character sequences"},
		{"mp0", "local-lvm:1,mp=/data/.", "mp0.mp", "invalid format - /data/. contains illegal character sequences"},
		{"dev0", "/dev/../etc/shadow", "dev0.path", "invalid format - /dev/../etc/shadow is not a valid device path"},
		{"dev0", "/tmp/gpu", "dev0.path", "invalid format - /tmp/gpu is not a valid device path"},
	} {
		r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{tc.param: {tc.value}})
		errs, _ := r.Body["errors"].(map[string]any)
		if r.Status != 400 || !strings.Contains(mustString(t, errs[tc.param]), tc.key+": "+tc.want) {
			t.Errorf("%s=%s: %d %s, want 400 with %s: %s", tc.param, tc.value, r.Status, r.Raw, tc.key, tc.want)
		}
	}
}

// PVE 9 hot-plugs a new device into a running container (pve-container
// 6.0.4 vmconfig_hotplug_pending, device_passthrough_hotplug); a changed one
// still waits for the start.
func TestDeviceHotplugPVE9(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1"})
	createCT(t, sim, "pve1", 100, nil)
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil)
	onNode(t, sim, "pve1", "pct set 100 --dev0 /dev/net/tun")
	current := func() map[string]any {
		return mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})))
	}
	if got := current()["dev0"]; got != "/dev/net/tun" {
		t.Errorf("dev0 = %v, want it hot-plugged", got)
	}
	onNode(t, sim, "pve1", "pct set 100 --dev0 /dev/net/tun,mode=0666")
	if got := current()["dev0"]; got != "/dev/net/tun" {
		t.Errorf("a changed dev0 = %v, want the old value until the start", got)
	}
}
