package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// A bridge without ports is written "bridge-ports none" (pve-common
// src/PVE/INotify.pm __interface_to_string: $d->{bridge_ports} || 'none'),
// and reading the file drops "none" again, keeping the ports sorted and
// once each (__read_etc_network_interfaces: next if $p eq 'none'; sort keys),
// while the defined, empty bridge_ports still makes it a bridge. So a
// second change after such a bridge is written works, and GET shows the
// bridge with bridge_ports "".
func TestNetworkBridgeWithoutPorts(t *testing.T) {
	sim := startSim(t, Options{})
	for _, name := range []string{"vmbr1", "vmbr2"} {
		if r := call(t, sim, http.MethodPost, "/nodes/pve1/network", url.Values{"iface": {name}, "type": {"bridge"}}); r.Status != 200 {
			t.Fatalf("POST %s: %d %s", name, r.Status, r.Reason)
		}
	}
	r := call(t, sim, http.MethodGet, "/nodes/pve1/network/vmbr1", nil)
	if d, _ := data(r).(map[string]any); r.Status != 200 || d["type"] != "bridge" || d["bridge_ports"] != "" {
		t.Errorf("vmbr1: %d %s", r.Status, r.Raw)
	}
	if code, _, errOut := sshRun(t, sim, "pve1",
		"printf 'auto vmbr3\\niface vmbr3 inet manual\\n\\tbridge-ports eno2 none eno1 eno2\\n' >> /etc/network/interfaces.new", ""); code != 0 {
		t.Fatalf("append: %s", errOut)
	}
	r = call(t, sim, http.MethodGet, "/nodes/pve1/network/vmbr3", nil)
	if d, _ := data(r).(map[string]any); r.Status != 200 || d["type"] != "bridge" || d["bridge_ports"] != "eno1 eno2" {
		t.Errorf("vmbr3: %d %s", r.Status, r.Raw)
	}
}
