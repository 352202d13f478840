package pvesimtest

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// FastTimeScale makes a 2 s task take 2 ms.
const FastTimeScale = 0.001

// Start runs a simulator on random loopback ports until the test ends. A zero
// TimeScale means FastTimeScale. Its Info carries both tokens: api_token
// (root@pam!proximity) and pveadmin_api_token (terraform@pve!proximity with
// PVEAdmin on /, as the README tells users to set up), which tests of the
// provider use. Its guests serve their apps on real loopback sockets, in a
// /24 of their own (GuestNetwork).
func Start(t testing.TB, opts pvesim.Options) *pvesim.Simulator {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = FastTimeScale
	}
	if opts.GuestNetwork == "" {
		opts.GuestNetwork = NextGuestNetwork() // guest_network.go
	}
	sim, err := pvesim.New(opts)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	if err := sim.Start(); err != nil {
		t.Fatalf("simulator: %v", err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// InstallDnsmasq prepares every node for PVE's SDN DHCP as the PVE admin
// guide tells an admin to (apt install dnsmasq, then systemctl disable
// --now dnsmasq): a PVE installation, simulated or not, lacks it.
func InstallDnsmasq(t testing.TB, sim *pvesim.Simulator) {
	t.Helper()
	for _, n := range sim.Info().Nodes {
		var out strings.Builder
		code, err := sim.RunOnNode(context.Background(), n, "apt install -y dnsmasq && systemctl disable --now dnsmasq", nil, &out, &out)
		if err != nil || code != 0 {
			t.Fatalf("installing dnsmasq on %s: exit %d %v: %s", n, code, err, out.String())
		}
	}
}
