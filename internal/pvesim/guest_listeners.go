package pvesim

import "net/http"

// The guest network (guest_network.go) serves what runs in the guests on
// real sockets. Its sources say what each running guest listens on: the
// app ports of its compose services, and a gateway's reverse proxy
// (haproxy.go). A source registers itself from its own file (init), so a
// new kind of server needs no change here.

// listenerSpec is one port a running guest serves, on the guest's address.
type listenerSpec struct {
	Port    int
	Handler http.Handler
	// What names the server for the report of a port that cannot be
	// bound ("haproxy in CT 120", "service web of CT 101").
	What string
}

// listenerSources are asked, on every reconcile of the guest network, what
// a running guest listens on. They run under no simulator lock.
var listenerSources []func(s *Simulator, g *guest) []listenerSpec

// bridgeLeases give a guest's interface on a bridge its DHCP address when
// the bridge is one the source serves (an SDN vnet with DHCP, sdn_dhcp.go);
// ok is false for a bridge it does not serve. They run with s.mu held
// (assignIP's caller holds it), so they must not take it.
var bridgeLeases []func(s *Simulator, g *guest, netKey, bridge string) (ip string, ok bool)

// pokeNetwork tells the guest network that what guests serve may have
// changed (a start, a stop, a compose up, a proxy reload), so that it
// binds and closes listeners now rather than at its next tick. It never
// blocks (callers hold s.mu): pokes that arrive while one is pending
// coalesce into one reconcile.
func (s *Simulator) pokeNetwork() {
	if s.gnet == nil {
		return
	}
	select {
	case s.gnet.poke <- struct{}{}:
	default:
	}
}
