package pvesimtest

import (
	"net/netip"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestSimulatorsGetTheirOwnGuestNetwork: two simulators of one process
// serve on different loopback /24s inside 127.64.0.0/10, and Info names it.
func TestSimulatorsGetTheirOwnGuestNetwork(t *testing.T) {
	a, b := Start(t, pvesim.Options{Nodes: 1}), Start(t, pvesim.Options{Nodes: 1})
	loopback := netip.MustParsePrefix("127.64.0.0/10")
	for _, sim := range []*pvesim.Simulator{a, b} {
		p, err := netip.ParsePrefix(sim.GuestNetwork())
		if err != nil || p.Bits() != 24 || !loopback.Contains(p.Addr()) || sim.Info().GuestNetwork != p.String() {
			t.Errorf("guest network %q (info %q)", sim.GuestNetwork(), sim.Info().GuestNetwork)
		}
	}
	if a.GuestNetwork() == b.GuestNetwork() {
		t.Errorf("both simulators serve on %s", a.GuestNetwork())
	}
	if c := Start(t, pvesim.Options{Nodes: 1, GuestNetwork: "127.9.0.0/16"}); c.GuestNetwork() != "127.9.0.0/16" {
		t.Errorf("a given guest network became %q", c.GuestNetwork())
	}
}
