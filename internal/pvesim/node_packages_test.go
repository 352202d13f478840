package pvesim

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// installDnsmasq runs the PVE admin guide's SDN DHCP preparation on every
// node: apt install dnsmasq, then systemctl disable --now dnsmasq.
func installDnsmasq(t *testing.T, sim *Simulator) {
	t.Helper()
	for _, n := range sim.Info().Nodes {
		var out strings.Builder
		code, err := sim.RunOnNode(context.Background(), n, "apt install -y dnsmasq && systemctl disable --now dnsmasq", nil, &out, &out)
		if err != nil || code != 0 {
			t.Fatalf("%s: exit %d %v: %s", n, code, err, out.String())
		}
	}
}

// TestSDNDHCPNeedsDnsmasq: pve-network's Dhcp/Dnsmasq.pm
// assert_dnsmasq_installed (before_configure) dies on a node without
// /usr/sbin/dnsmasq and its systemd unit, so the node's reload (API2/
// Network.pm reload_network_config: generate_dhcp_config before ifreload)
// fails, its vnets do not come up, and the apply, which runs pvesh set per
// node in an eval, ends with a warning. A PVE installation has no dnsmasq.
func TestSDNDHCPNeedsDnsmasq(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	mustOK(t, callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/zones",
		map[string][]string{"zone": {"pxnet"}, "type": {"simple"}, "dhcp": {"dnsmasq"}, "ipam": {"pve"}}), "create zone")
	mustOK(t, callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/vnets",
		map[string][]string{"vnet": {"pxvnet"}, "zone": {"pxnet"}}), "create vnet")
	r := mustOK(t, callAs(t, sim, admin, http.MethodPut, "/cluster/sdn", nil), "apply")
	if status := waitTask(t, sim, mustString(t, data(r))); status != "WARNINGS: 1" {
		t.Fatalf("apply without dnsmasq: %s, want WARNINGS: 1", status)
	}
	if got := sdnNodeBridges(sim.nodeByName("pve1")); len(got) != 0 {
		t.Fatalf("vnets came up without dnsmasq: %v", got)
	}
	var code int
	var out strings.Builder
	if code, _ = sim.RunOnNode(context.Background(), "pve1", "apt install -y nginx", nil, &out, &out); code != 100 ||
		!strings.Contains(out.String(), "Unable to locate package nginx") {
		t.Fatalf("apt install of an unmodelled package: %d %q", code, out.String())
	}
	installDnsmasq(t, sim)
	r = mustOK(t, callAs(t, sim, admin, http.MethodPut, "/cluster/sdn", nil), "apply")
	if status := waitTask(t, sim, mustString(t, data(r))); status != "OK" {
		t.Fatalf("apply with dnsmasq: %s", status)
	}
	if got := sdnNodeBridges(sim.nodeByName("pve1")); len(got) != 1 {
		t.Fatalf("vnets after installing dnsmasq: %v", got)
	}
}
