package pvesim

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestNodeIP: iproute2's ip on a node shows what the applied
// /etc/network/interfaces brought up (ifupdown2 ifreload -a, which
// Network.pm reload_network_config runs), with the bridge's address, its
// port, and a veth per running container's network device.
func TestNodeIP(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	code, out, _ := sshRun(t, sim, "pve1", "ip -4 -br addr show vmbr0", "")
	if code != 0 || !strings.HasPrefix(out, "vmbr0            UP             127.0.0.1/24") {
		t.Errorf("ip -br addr: %d %q", code, out)
	}
	code, out, _ = sshRun(t, sim, "pve1", "ip -j addr show vmbr0", "")
	var links []ipLinkJSON
	if err := json.Unmarshal([]byte(out), &links); code != 0 || err != nil || len(links) != 1 || links[0].AddrInfo[0].Local != "127.0.0.1" ||
		links[0].AddrInfo[0].PrefixLen != 24 {
		t.Errorf("ip -j addr: %d %q %v", code, out, err)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "ip link show eno1", ""); code != 0 || !strings.Contains(out, "master vmbr0 state UP") {
		t.Errorf("ip link eno1: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "ip -br link | awk '{print $1}'", ""); code != 0 || !strings.Contains(out, "veth101i0@if2\n") {
		t.Errorf("veth of CT 101: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "ip route | grep default", ""); code != 0 ||
		out != "default via 127.0.0.254 dev vmbr0 proto kernel onlink \n" {
		t.Errorf("ip route: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "hostname -I; hostname", ""); code != 0 || out != "127.0.0.1 \npve1\n" {
		t.Errorf("hostname: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "ip link show vmbr7", ""); code != 1 || stderr != "Device \"vmbr7\" does not exist.\n" {
		t.Errorf("missing device: %d %q", code, stderr)
	}
}
