package pvesim

import (
	"net"
	"net/netip"
)

// linkLocal6 is the link-local IPv6 address the kernel gives an interface
// (RFC 4291 appendix A, modified EUI-64: the MAC address split by ff:fe,
// its universal/local bit flipped), with its /64, as `ip --json a` and so
// PVE::LXC::get_interfaces report it. A MAC address the user set (net0's
// hwaddr) gives its own, not PVE's BC:24:11 prefix's.
func linkLocal6(mac string) string {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return ""
	}
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	copy(a[8:], []byte{hw[0] ^ 0x02, hw[1], hw[2], 0xff, 0xfe, hw[3], hw[4], hw[5]})
	return netip.AddrFrom16(a).String() + "/64"
}
