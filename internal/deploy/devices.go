package deploy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Device passthrough (dev0..dev255 in PVE, since pve-container 5.0.7, PVE
// 8.1): a device node of the host made in the container, for GPUs such as
// /dev/dri/renderD128. The format is pve-container's $dev_desc
// (src/PVE/LXC/Config.pm): path (the default key, format
// pve-lxc-dev-string), mode (0[0-7]{3}), uid, gid. check_ct_modify_config_perm
// gives devN to root@pam alone, so the provider sets them with pct set as
// root over SSH.

// MaxDevices is PVE's $MAX_DEVICES.
const MaxDevices = 256

// Device is one device passed through to the container.
type Device struct {
	Path string // /dev/...
	Mode string // octal, 0666; "" leaves PVE's (the host node's mode)
	UID  *int   // owner inside the container; nil: root
	GID  *int
}

// String prints the device as print_property_string does: the path bare,
// then the other keys sorted by name.
func (d Device) String() string {
	parts := []string{d.Path}
	if d.GID != nil {
		parts = append(parts, "gid="+strconv.Itoa(*d.GID))
	}
	if d.Mode != "" {
		parts = append(parts, "mode="+d.Mode)
	}
	if d.UID != nil {
		parts = append(parts, "uid="+strconv.Itoa(*d.UID))
	}
	return strings.Join(parts, ",")
}

// parseDevice reads a devN value as parse_device does; keys it does not
// know (deny-write) are kept out of the comparison.
func parseDevice(s string) (Device, error) {
	var d Device
	for i, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok && i == 0 {
			k, v = "path", part
		}
		switch k {
		case "path":
			d.Path = v
		case "mode":
			d.Mode = v
		case "uid", "gid":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Device{}, fmt.Errorf("%s: %q is not an integer", k, v)
			}
			if k == "uid" {
				d.UID = &n
			} else {
				d.GID = &n
			}
		}
	}
	if d.Path == "" {
		return Device{}, fmt.Errorf("Path has to be defined") //nolint:staticcheck // PVE's message
	}
	return d, nil
}

// readDevices reads the container's devN entries, by index; PVE's typed
// config keeps them among the options it does not type.
func readDevices(cfg *pveclient.ContainerConfig) map[int]Device {
	out := map[int]Device{}
	for k, v := range cfg.Extra {
		n, ok := strings.CutPrefix(k, "dev")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || i < 0 {
			continue
		}
		if d, err := parseDevice(v); err == nil {
			out[i] = d
		}
	}
	return out
}

// ObservedDevices are the container's devices in the order of their devN keys.
func ObservedDevices(cfg *pveclient.ContainerConfig) []Device {
	return inIndexOrder(readDevices(cfg))
}

// DeviceError is a device the configuration asks for that PVE would refuse.
type DeviceError struct {
	Index  int
	Field  string // path, mode
	Reason string
}

func (e *DeviceError) Error() string {
	return fmt.Sprintf("device %d: %s: %s", e.Index, e.Field, e.Reason)
}

var (
	// devPathRe is verify_lxc_dev_string's refusal: /./ or /../, /. or /..
	// at the end.
	devIllegalRe = regexp.MustCompile(`/\.\.?(?:/|$)`)
	devModeRe    = regexp.MustCompile(`^0[0-7]{3}$`)
)

// CheckDevices is the one rule for the devices a configuration asks for:
// paths under /dev/ that verify_lxc_dev_string accepts, each once, modes
// of $dev_desc's pattern, at most MaxDevices. Whether the node has the
// device is PVE's check at apply (get_device_mode_and_rdev: "Device ...
// does not exist").
func CheckDevices(devices []Device) []*DeviceError {
	var errs []*DeviceError
	bad := func(i int, field, reason string) {
		errs = append(errs, &DeviceError{Index: i, Field: field, Reason: reason})
	}
	if len(devices) > MaxDevices {
		bad(MaxDevices, "path", fmt.Sprintf("PVE passes at most %d devices through (dev0 to dev%d)", MaxDevices, MaxDevices-1))
	}
	seen := map[string]int{}
	for i, d := range devices {
		switch {
		case !strings.HasPrefix(d.Path, "/dev/") || devIllegalRe.MatchString(d.Path):
			bad(i, "path", fmt.Sprintf("%s is not a valid device path (PVE wants a path under /dev/ without /./ or /../)", d.Path))
		case strings.ContainsAny(d.Path, ",=\n\r\t\x00"):
			bad(i, "path", fmt.Sprintf("%q contains a comma, '=' or a control character, which PVE's property strings cannot hold", d.Path))
		default:
			if j, dup := seen[d.Path]; dup {
				bad(i, "path", fmt.Sprintf("%s is device %d's path too; each device is passed through once", d.Path, j))
			}
			seen[d.Path] = i
		}
		if d.Mode != "" && !devModeRe.MatchString(d.Mode) {
			bad(i, "mode", fmt.Sprintf("%q is not an octal access mode such as 0660 (PVE's pattern 0[0-7]{3})", d.Mode))
		}
	}
	return errs
}

// sameDevice compares two devices as PVE stores them.
func sameDevice(a, b Device) bool { return a.String() == b.String() }
