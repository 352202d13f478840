package pvesim

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
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

// The simulated network's IPv6 side, as the IPv4 side hands out
// 10.10.x.y/16 by DHCP (assignIP): a router on every bridge advertises
// fd10:10::/64, and a DHCPv6 server there hands out single addresses.
var simIPv6Prefix = netip.MustParsePrefix("fd10:10::/64")

// assignIP6 is eth0's global IPv6 address at a start, from net0's ip6:
// a static one as configured; auto, SLAAC on the advertised prefix with
// the interface's EUI-64 identifier; dhcp, a lease of its own (a /128, as
// DHCPv6 gives); none or manual, none. Caller holds s.mu.
func (s *Simulator) assignIP6(g *guest) string {
	net0 := g.Config["net0"]
	switch ip6 := propertyValue(net0, "ip6"); ip6 {
	case "", "manual":
		return ""
	case "auto":
		ll, err := netip.ParsePrefix(linkLocal6(propertyValue(net0, "hwaddr")))
		if err != nil {
			return ""
		}
		a, id := simIPv6Prefix.Addr().As16(), ll.Addr().As16()
		copy(a[8:], id[8:])
		return netip.AddrFrom16(a).String() + "/64"
	case "dhcp":
		s.ipSeq++
		a := simIPv6Prefix.Addr().As16()
		a[14], a[15] = byte(0x10+s.ipSeq>>8), byte(s.ipSeq)
		return netip.AddrFrom16(a).String() + "/128"
	default:
		if _, err := netip.ParsePrefix(ip6); err != nil {
			return ""
		}
		return ip6
	}
}

// ip6AfterUpdate is update_ipconfig's IPv6 half (pve-container
// src/PVE/LXC.pm) for a running container whose net0 changed: a new
// static address is added at once and replaces a static old one; a change
// to auto or dhcp only removes an old static address, since the
// container's own network service takes them up at its next start.
func ip6AfterUpdate(oldCfg, newCfg, current string) string {
	oldIP, newIP := propertyValue(oldCfg, "ip6"), propertyValue(newCfg, "ip6")
	if oldIP == newIP {
		return current
	}
	if _, err := netip.ParsePrefix(newIP); err == nil {
		return newIP
	}
	if _, err := netip.ParsePrefix(oldIP); err == nil && current == oldIP {
		return ""
	}
	return current
}

// printIface6 prints an interface's IPv6 addresses as iproute2's `ip addr`
// does (`-o` on one line each; a trailing space after the flags): global
// before link-local, as the kernel orders them. A static address never
// expires; one from SLAAC or DHCPv6 is dynamic, with the lifetimes the
// advertisement or lease gave.
func printIface6(c *shell.Call, oneLine bool, idx int, name, global, configured, hw string) {
	short, _, _ := strings.Cut(name, "@")
	type line struct{ addr, flags, lft string }
	var lines []line
	switch {
	case global == "":
	case global == configured:
		lines = append(lines, line{global, "scope global", "valid_lft forever preferred_lft forever"})
	case configured == "auto":
		lines = append(lines, line{global, "scope global dynamic mngtmpaddr", "valid_lft 86400sec preferred_lft 14400sec"})
	default:
		lines = append(lines, line{global, "scope global dynamic noprefixroute", "valid_lft 86400sec preferred_lft 14400sec"})
	}
	if hw == "00:00:00:00:00:00" {
		lines = append(lines, line{"::1/128", "scope host", "valid_lft forever preferred_lft forever"})
	} else if ll := linkLocal6(hw); ll != "" {
		lines = append(lines, line{ll, "scope link", "valid_lft forever preferred_lft forever"})
	}
	for _, l := range lines {
		if oneLine {
			fmt.Fprintf(c.Stdout, "%d: %s    inet6 %s %s \\       %s\n", idx, short, l.addr, l.flags, l.lft)
		} else {
			fmt.Fprintf(c.Stdout, "    inet6 %s %s \n       %s\n", l.addr, l.flags, l.lft)
		}
	}
}
