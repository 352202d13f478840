package pvesim

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// The guest network is the simulator's own model, not PVE's: PVE leaves
// guest addressing to the bridge and whatever DHCP server runs on it. With
// Options.GuestNetwork set (a loopback range such as 127.10.0.0/16; Linux
// routes all of 127/8 to lo, so any address in it can be bound without
// configuring an interface), DHCP leases come from that range and what the
// guests serve listens on real sockets there (guest_network_serve.go), so a
// browser or a test on this machine reaches an app at its guest's address.

// guestNetwork holds the range and the listeners bound in it.
type guestNetwork struct {
	prefix netip.Prefix // invalid when the option is off
	poke   chan struct{}

	mu    sync.Mutex // guards bound and reported
	bound map[netip.AddrPort]*guestListener
	// reported are the addresses whose bind failure was logged, so that a
	// port that cannot be bound is reported once, not at every reconcile.
	reported map[netip.AddrPort]bool
}

// newGuestNetwork checks Options.GuestNetwork: an IPv4 prefix with room
// for at least one lease besides the network, gateway and broadcast
// addresses. Empty is off.
func newGuestNetwork(cidr string) (*guestNetwork, error) {
	n := &guestNetwork{poke: make(chan struct{}, 1), bound: map[netip.AddrPort]*guestListener{}, reported: map[netip.AddrPort]bool{}}
	if cidr == "" {
		return n, nil
	}
	p, err := ParseGuestNetwork(cidr)
	if err != nil {
		return nil, err
	}
	n.prefix = p
	return n, nil
}

// ParseGuestNetwork reads a guest network as the -guest-network flag and
// Options.GuestNetwork take it: an IPv4 prefix (127.10.0.0/16) of /30 or
// wider; host bits are cleared.
func ParseGuestNetwork(cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("guest network %q is not an IPv4 prefix such as 127.10.0.0/16", cidr)
	}
	if p.Bits() > 30 {
		return netip.Prefix{}, fmt.Errorf("guest network %q is too small: it needs a /30 or wider prefix (network, gateway, one guest, broadcast)", cidr)
	}
	return p.Masked(), nil
}

// GuestNetwork is the range guests lease their addresses from and serve
// on ("" when the option is off).
func (s *Simulator) GuestNetwork() string {
	if s.gnet == nil || !s.gnet.prefix.IsValid() {
		return ""
	}
	return s.gnet.prefix.String()
}

// leaseIP is a DHCP lease for net0: the bridge's own DHCP server's when a
// bridgeLeases source serves the bridge (an SDN vnet), else one from the
// guest network, else from the historical 10.10.0.0/16 pool. The caller
// holds s.mu.
func (s *Simulator) leaseIP(g *guest) string {
	bridge := propertyValue(g.Config["net0"], "bridge")
	for _, lease := range bridgeLeases {
		if ip, ok := lease(s, g, "net0", bridge); ok {
			return ip
		}
	}
	s.ipSeq++
	if s.gnet == nil || !s.gnet.prefix.IsValid() {
		return fmt.Sprintf("10.10.%d.%d/16", 1+s.ipSeq/250, 2+s.ipSeq%250)
	}
	return s.leaseFromGuestNetwork(g)
}

// leaseFromGuestNetwork hands out the next free host address after the
// gateway (the first host address), round robin from ipSeq so a restarted
// guest usually gets another address, as the 10.10 pool does; an address
// a running guest holds is skipped. A full range gives no lease, as a
// DHCP server with an exhausted pool. The caller holds s.mu.
func (s *Simulator) leaseFromGuestNetwork(g *guest) string {
	p := s.gnet.prefix
	hosts := uint32(1)<<(32-p.Bits()) - 3 // without network, gateway, broadcast
	base := addrUint32(p.Addr()) + 2
	taken := map[netip.Addr]bool{}
	for _, other := range s.guests {
		if other == g || !other.Running {
			continue
		}
		if a, err := netip.ParsePrefix(other.IP); err == nil {
			taken[a.Addr()] = true
		}
	}
	for i := uint32(0); i < hosts; i++ {
		a := uint32ToAddr(base + (uint32(s.ipSeq-1)+i)%hosts)
		if !taken[a] {
			return netip.PrefixFrom(a, p.Bits()).String()
		}
	}
	return ""
}

// printGuestRoutes is `ip route` in a guest with eth0's address: the guest
// network's gateway (its first host address) and on-link range for an
// address inside it, else the 10.10.0.0/16 pool's.
func (s *Simulator) printGuestRoutes(c *shell.Call, addr string) {
	p, err := netip.ParsePrefix(addr)
	if err != nil {
		return
	}
	gw, network := "10.10.0.1", "10.10.0.0/16"
	if s.gnet != nil && s.gnet.prefix.Contains(p.Addr()) {
		gw, network = uint32ToAddr(addrUint32(s.gnet.prefix.Addr())+1).String(), s.gnet.prefix.String()
	}
	fmt.Fprintln(c.Stdout, "default via "+gw+" dev eth0")
	fmt.Fprintln(c.Stdout, network+" dev eth0 proto kernel scope link src "+p.Addr().String())
}

func addrUint32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uint32ToAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
