package pvesim

import (
	"slices"
)

// Device passthrough (devN, pve-container 5.0.7 and later): the value is
// stored as given (update_pct_config puts it in the pending section, and
// vmconfig_apply_pending moves it over unprinted); only root@pam may set
// or delete one (check_ct_modify_config_perm, lxc_perms.go).

// hostDevices are the device nodes each simulated node has, as a PVE host
// with an Intel GPU shows them; 'c' a character device, 'b' a block device.
// A path not here and not in the node's file tree does not exist.
var hostDevices = map[string]byte{
	"/dev/null": 'c', "/dev/zero": 'c', "/dev/full": 'c', "/dev/random": 'c', "/dev/urandom": 'c', "/dev/tty": 'c',
	"/dev/fuse": 'c', "/dev/net/tun": 'c', "/dev/kvm": 'c', "/dev/dri/card0": 'c', "/dev/dri/renderD128": 'c',
	"/dev/sda": 'b', "/dev/sda1": 'b', "/dev/nvme0n1": 'b',
}

// hostDeviceDirs are the directories of hostDevices: a device path that
// names one is no device.
var hostDeviceDirs = []string{"/dev", "/dev/dri", "/dev/net"}

// checkDevice is update_pct_config's devN check: parse_device ("Path has
// to be defined"), then PVE::LXC::Tools::get_device_mode_and_rdev, which
// stats the path on the host ("Device ... does not exist", "... is not a
// device"). The format itself was checked with the request's parameters.
func (s *Simulator) checkDevice(n *node, opt, value string) *apiError {
	values, err := parseProperties(s.confFormat(opt), value)
	if err != nil {
		return paramFail(opt, "invalid format - "+err.Error())
	}
	p := values["path"]
	if p == "" {
		return fail("Path has to be defined")
	}
	if _, ok := hostDevices[p]; ok {
		return nil
	}
	if slices.Contains(hostDeviceDirs, p) {
		return fail("%s is not a device", p)
	}
	if _, err := n.FS.Stat(p); err == nil {
		return fail("%s is not a device", p)
	}
	return fail("Device %s does not exist", p)
}

// devHotplugged says whether a new devN reaches a running container at
// once: PVE 9 hot-plugs it (pve-container 6.0.4, "implement device
// hotplug": vmconfig_hotplug_pending's devN case, which skips an existing
// one), PVE 8 keeps every devN change pending until the next start.
func (s *Simulator) devHotplugged(opt string, exists bool) bool {
	return s.release == release91 && isIndexedKey(opt, "dev") && !exists
}
