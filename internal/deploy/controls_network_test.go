package deploy

import (
	"slices"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestNetworkChecksArePVEs: the values pve-common's formats accept
// (pve_verify_mac_addr: unicast, any case; pve_verify_ipv6_config: auto,
// dhcp or a CIDR with a prefix of 8 to 128; verify_ip_with_ll_iface for a
// nameserver), and those they refuse.
func TestNetworkChecksArePVEs(t *testing.T) {
	for mac, ok := range map[string]bool{
		"BC:24:11:2A:3B:4C": true, "bc:24:11:2a:3b:4c": true, "02:00:00:00:00:01": true,
		"01:00:5E:00:00:01": false, // multicast: the I/G bit is set
		"BC:24:11:2A:3B":    false, "BC-24-11-2A-3B-4C": false, "BC:24:11:2A:3B:4G": false,
	} {
		if err := CheckMAC(mac); (err == nil) != ok {
			t.Errorf("CheckMAC(%q) = %v, want ok %v", mac, err, ok)
		}
	}
	for ip6, ok := range map[string]bool{
		"auto": true, "dhcp": true, "2001:db8::10/64": true, "fd00::1/128": true, "2001:db8::/8": true,
		"manual": false, "2001:db8::10": false, "2001:db8::10/7": false, "10.0.0.1/24": false, "::ffff:10.0.0.1/120": false,
	} {
		if err := CheckIPv6Config(ip6); (err == nil) != ok {
			t.Errorf("CheckIPv6Config(%q) = %v, want ok %v", ip6, err, ok)
		}
	}
	for ns, ok := range map[string]bool{"1.1.1.1": true, "2606:4700:4700::1111": true, "fe80::1%eth0": true,
		"2001:db8::1%eth0": false, "fe90::1%eth0": false, "fe80::1%e": false, "dns.example": false, "1.1.1.1/32": false} {
		if err := CheckNameserver(ns); (err == nil) != ok {
			t.Errorf("CheckNameserver(%q) = %v, want ok %v", ns, err, ok)
		}
	}
	for d, ok := range map[string]bool{"example.com": true, "a.example b-1.example,c.example": true, "localdomain": true,
		"example.com.": false, "-bad.example": false, "bad_domain": false, "": false} {
		if err := CheckSearchDomain(d); (err == nil) != ok {
			t.Errorf("CheckSearchDomain(%q) = %v, want ok %v", d, err, ok)
		}
	}
	if err := CheckIPv6Gateway("dhcp", "2001:db8::1"); err == nil {
		t.Error("a gateway beside dhcp passes")
	}
	if err := CheckIPv6Gateway("2001:db8::10/64", "2001:db8::1"); err != nil {
		t.Error(err)
	}
}

// TestVLANTagNeedsItsOwnPath: check_vnet_access asks SDN.Use on the tag's
// path for a tagged net0 and on the bridge for an untagged one, and
// check_ct_modify_config_perm checks the old net0 of a change as well.
func TestVLANTagNeedsItsOwnPath(t *testing.T) {
	paths := func(a PlannedApplication) []string {
		var out []string
		for _, n := range ApplicationNeeds(a) {
			if n.Privs[0] == "SDN.Use" {
				out = append(out, n.Path)
			}
		}
		return out
	}
	if got := paths(PlannedApplication{}); !slices.Equal(got, []string{"/sdn/zones/localnetwork/vmbr0"}) {
		t.Errorf("untagged: %v", got)
	}
	if got := paths(PlannedApplication{Bridge: "vmbr1", VLANTag: 10}); !slices.Equal(got, []string{"/sdn/zones/localnetwork/vmbr1/10"}) {
		t.Errorf("tagged: %v", got)
	}
	got := paths(PlannedApplication{VMID: 100, VLANTag: 20, OldBridge: "vmbr0", OldVLANTag: 10})
	if !slices.Equal(got, []string{"/sdn/zones/localnetwork/vmbr0/20", "/sdn/zones/localnetwork/vmbr0/10"}) {
		t.Errorf("retagged: %v", got)
	}
	for _, n := range RequiredPrivileges() {
		if n.Path == "/sdn/zones/localnetwork" && !n.Below {
			t.Error("the README's grant on the bridges does not propagate to their VLANs")
		}
	}
}

// TestNetworkUpdateRewritesNet0AndDNS: an update sets the controls on
// net0 (keeping its MAC address when none is asked), and of the DNS
// options sets what changed and deletes what is no longer asked; a list
// PVE stores with other separators is no change.
func TestNetworkUpdateRewritesNet0AndDNS(t *testing.T) {
	tag, mtu, yes := 10, 1400, true
	cfg := &pveclient.ContainerConfig{
		Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", HWAddr: "BC:24:11:00:00:01", IP: "dhcp",
			Tag: &tag, MTU: &mtu, Firewall: &yes, IP6: "auto"}},
		Extra: map[string]string{"nameserver": "1.1.1.1 9.9.9.9", "searchdomain": "example.com"},
	}
	o := &NetworkOptions{VLANTag: 20, DNSServers: []string{"1.1.1.1", "9.9.9.9"}}
	net0 := cfg.Networks[0]
	var update pveclient.ContainerConfigUpdate
	o.onUpdate(cfg, &net0, &update)
	want := "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,tag=20"
	if got := net0.String(); got != want {
		t.Errorf("net0 %q, want %q", got, want)
	}
	if update.DNS.Nameserver != "" || !slices.Equal(update.Delete, []string{"searchdomain"}) {
		t.Errorf("DNS update %+v, delete %v: want searchdomain deleted, nameserver unchanged", update.DNS, update.Delete)
	}
	if got := observeNetwork(cfg); got.VLANTag != 10 || got.MTU != 1400 || !got.Firewall || got.IP6 != "auto" ||
		!slices.Equal(got.DNSServers, []string{"1.1.1.1", "9.9.9.9"}) || got.SearchDomain != "example.com" {
		t.Errorf("observed %+v", got)
	}
	var none *NetworkOptions
	update = pveclient.ContainerConfigUpdate{}
	none.onUpdate(cfg, &net0, &update)
	if update.Changes() != 0 {
		t.Errorf("nil options changed %d options", update.Changes())
	}
}
