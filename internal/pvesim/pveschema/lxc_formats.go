package pveschema

import (
	"regexp"
	"strings"
)

// The path formats of container mount points and devices, registered in
// pve-container src/PVE/LXC/Config.pm.

var (
	// lxcMPIllegalRe is verify_lxc_mp_string's refusal: /./ or /../, a
	// trailing /. or /.., a leading ../.
	lxcMPIllegalRe = regexp.MustCompile(`/\.\.?/|/\.\.?$|^\.\./`)
	// lxcDevIllegalRe is verify_lxc_dev_string's: /./ or /../, or /. or
	// /.. at the end.
	lxcDevIllegalRe = regexp.MustCompile(`/\.\.?(?:/|$)`)
)

// checkLxcFormat checks pve-lxc-mp-string and pve-lxc-dev-string with the
// messages their verify functions die with; ok is false for other formats.
func checkLxcFormat(format, value string) (msg string, ok bool) {
	switch format {
	case "pve-lxc-mp-string":
		if lxcMPIllegalRe.MatchString(value) {
			return value + " contains illegal character sequences", true
		}
		return "", true
	case "pve-lxc-dev-string":
		if lxcDevIllegalRe.MatchString(value) || !strings.HasPrefix(value, "/dev/") {
			return value + " is not a valid device path", true
		}
		return "", true
	}
	return "", false
}
