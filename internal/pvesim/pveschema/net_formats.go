package pveschema

import (
	"net/netip"
	"regexp"
	"strings"
)

// ifaceRe is pve-common's pve_verify_iface: a network interface name.
var ifaceRe = regexp.MustCompile(`(?i)^[a-z][a-z0-9_]{1,20}([:.]\d+)?$`)

// checkIPWithLLIface is pve-container's verify_ip_with_ll_iface
// (src/PVE/LXC/Config.pm, format lxc-ip-with-ll-iface of nameserver): an
// IPv4 or IPv6 address (pve_verify_ip), or a link-local one written
// fe80:...%<interface>.
func checkIPWithLLIface(value string) string {
	if addr, iface, ok := strings.Cut(value, "%"); ok && strings.HasPrefix(addr, "fe80:") {
		if a, err := netip.ParseAddr(addr); err == nil && a.Is6() && ifaceRe.MatchString(iface) {
			return ""
		}
	}
	if a, err := netip.ParseAddr(value); err != nil || a.Zone() != "" {
		return "value does not look like a valid IP address"
	}
	return ""
}

// cidrPrefixOK is the prefix rule of pve_verify_cidrv4 and
// pve_verify_cidrv6: longer than 7 bits (and no longer than the address).
func cidrPrefixOK(p netip.Prefix) bool { return p.Bits() > 7 }
