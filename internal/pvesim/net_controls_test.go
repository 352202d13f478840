package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The network controls a container's net0 and DNS options carry, as
// pve-container stores and applies them.

// TestNet0ControlsPrintedCanonically: net0 comes back as
// print_lxc_network prints it (PVE::JSONSchema::print_property_string: the
// required name first, then the other keys by name, type=veth added by
// parse_lxc_network), with hwaddr as given (pve_verify_mac_addr checks and
// keeps the case; random_ether_addr generates upper case).
func TestNet0ControlsPrintedCanonically(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"net0": {
		"name=eth0,tag=10,mtu=1400,ip6=2001:db8::10/64,gw6=2001:db8::1,firewall=1,hwaddr=02:ab:cd:00:11:22,bridge=vmbr0,ip=dhcp"}})
	want := "name=eth0,bridge=vmbr0,firewall=1,gw6=2001:db8::1,hwaddr=02:ab:cd:00:11:22,ip=dhcp,ip6=2001:db8::10/64,mtu=1400,tag=10,type=veth"
	if got := mustString(t, ctConfig(t, sim, "pve1", 100)["net0"]); got != want {
		t.Errorf("net0 %q, want %q", got, want)
	}
	createCT(t, sim, "pve1", 101, nil)
	if got := propertyValue(mustString(t, ctConfig(t, sim, "pve1", 101)["net0"]), "hwaddr"); !strings.HasPrefix(got, "BC:24:11:") ||
		strings.ToUpper(got) != got {
		t.Errorf("generated hwaddr %q, want BC:24:11:XX:XX:XX in upper case", got)
	}
}

// TestDNSListsStoredWithSpaces: update_pct_config stores nameserver and
// searchdomain through verify_nameserver_list and
// verify_searchdomain_list (pve-container src/PVE/LXC.pm), which split the
// list (PVE::Tools::split_list: commas, semicolons and spaces) and join it
// with single spaces, at create and at update.
func TestDNSListsStoredWithSpaces(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"nameserver": {"1.1.1.1,9.9.9.9; 2001:db8::53"}, "searchdomain": {"a.example;b.example"}})
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["nameserver"] != "1.1.1.1 9.9.9.9 2001:db8::53" || cfg["searchdomain"] != "a.example b.example" {
		t.Errorf("created with nameserver %q, searchdomain %q", cfg["nameserver"], cfg["searchdomain"])
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"nameserver": {"8.8.8.8,8.8.4.4"}}); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	if got := ctConfig(t, sim, "pve1", 100)["nameserver"]; got != "8.8.8.8 8.8.4.4" {
		t.Errorf("updated nameserver %q", got)
	}
}

// TestDNSWrittenAtStart: the pre-start hook writes the DNS options into
// the container's /etc/resolv.conf (PVE::LXC::Setup::Base pre_start_hook ->
// set_dns, ct_modify_file with replace => 1). nameserver is no hot-plug
// option ($LXC_FASTPLUG_OPTIONS, vmconfig_hotplug_pending), so a running
// container's change stays pending: the config (with pending values, as
// load_current_config without current) shows it, the running system keeps
// its resolv.conf until the next start.
func TestDNSWrittenAtStart(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"nameserver": {"1.1.1.1 9.9.9.9"}, "searchdomain": {"example.com"}, "start": {"1"}})
	resolv := func() string {
		t.Helper()
		code, out := runInCT(t, sim, "pve1", "pct exec 100 -- cat /etc/resolv.conf")
		if code != 0 {
			t.Fatalf("cat: exit %d: %s", code, out)
		}
		return out
	}
	first := "# --- BEGIN PVE ---\nsearch example.com\nnameserver 1.1.1.1\nnameserver 9.9.9.9\n# --- END PVE ---\n"
	if got := resolv(); got != first {
		t.Errorf("resolv.conf after the start:\n%q\nwant\n%q", got, first)
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"nameserver": {"8.8.8.8"}}); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	if got := ctConfig(t, sim, "pve1", 100)["nameserver"]; got != "8.8.8.8" {
		t.Errorf("config nameserver %q, want the pending 8.8.8.8", got)
	}
	current := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})
	if got := mustMap(t, data(current))["nameserver"]; got != "1.1.1.1 9.9.9.9" {
		t.Errorf("current nameserver %q, want the running one", got)
	}
	if got := resolv(); got != first {
		t.Errorf("resolv.conf of the running container changed: %q", got)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/reboot", nil); st != "OK" {
		t.Fatalf("reboot: %s", st)
	}
	if got, want := resolv(), "# --- BEGIN PVE ---\nsearch example.com\nnameserver 8.8.8.8\n# --- END PVE ---\n"; got != want {
		t.Errorf("resolv.conf after the next start:\n%q\nwant\n%q", got, want)
	}
}

// TestNetMTUAboveBridgeRefused: update_pct_config refuses a netN whose
// mtu exceeds its bridge's (read_bridge_mtu, pve-common src/PVE/Network.pm),
// in create_vm before anything is made and in update_vm.
func TestNetMTUAboveBridgeRefused(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{
		"vmid": {"100"}, "ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"}, "rootfs": {"local-lvm:4"},
		"net0": {"name=eth0,bridge=vmbr0,ip=dhcp,mtu=9000"}})
	if r.Status != 500 || r.Reason != "net0: MTU size '9000' is bigger than bridge MTU '1500'" {
		t.Errorf("create: %d %q", r.Status, r.Reason)
	}
	createCT(t, sim, "pve1", 101, url.Values{"net0": {"name=eth0,bridge=vmbr0,ip=dhcp,mtu=1500"}})
	r = call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"net0": {"name=eth0,bridge=vmbr0,ip=dhcp,mtu=1501"}})
	if r.Status != 500 || r.Reason != "net0: MTU size '1501' is bigger than bridge MTU '1500'" {
		t.Errorf("update: %d %q", r.Status, r.Reason)
	}
}

// TestLinkLocalFollowsMAC: the interfaces of a running container report
// eth0's link-local IPv6 address, which the kernel derives from its MAC
// address (modified EUI-64), also for a MAC address set in net0.
func TestLinkLocalFollowsMAC(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"net0": {"name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=02:00:5E:AA:BB:CC"}, "start": {"1"}})
	ifaces := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/interfaces", nil)))
	eth := mustMap(t, ifaces[1])
	if eth["hwaddr"] != "02:00:5e:aa:bb:cc" || eth["inet6"] != "fe80::5eff:feaa:bbcc/64" {
		t.Errorf("eth0: %v", eth)
	}
}

// TestVLANTagNeedsSDNUseOnTheTag: check_bridge_access (pve-container
// src/PVE/LXC.pm) calls check_vnet_access (pve-guest-common
// src/PVE/GuestHelpers.pm), which asks SDN.Use on
// /sdn/zones/localnetwork/<bridge>/<tag> for a tagged interface, for the
// old net0 and the new one of a change; a grant on the bridge propagates
// to its tags. A firewall change asks nothing more than VM.Config.Network
// and that SDN.Use.
func TestVLANTagNeedsSDNUseOnTheTag(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, nil)
	pveum(t, sim, "user add vm@pve")
	pveum(t, sim, "aclmod /vms -user vm@pve -role PVEVMAdmin")
	pveum(t, sim, "aclmod /sdn/zones/localnetwork/vmbr0 -user vm@pve -role PVESDNUser -propagate 0")
	token := newToken(t, sim, "vm@pve", "tk", "--privsep 0")
	put := func(net0 string) apiResponse {
		return callAs(t, sim, token, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"net0": {net0}})
	}
	if r := put("name=eth0,bridge=vmbr0,ip=dhcp,firewall=1"); r.Status != 200 {
		t.Errorf("firewall on the bridge it may use: %d %s", r.Status, r.Raw)
	}
	r := put("name=eth0,bridge=vmbr0,ip=dhcp,tag=10")
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones/localnetwork/vmbr0/10, SDN.Use)" {
		t.Errorf("tag without SDN.Use on it: %d %q", r.Status, r.Reason)
	}
	pveum(t, sim, "aclmod /sdn/zones/localnetwork/vmbr0/10 -user vm@pve -role PVESDNUser")
	if r := put("name=eth0,bridge=vmbr0,ip=dhcp,tag=10"); r.Status != 200 {
		t.Errorf("tag with SDN.Use on it: %d %s", r.Status, r.Raw)
	}
	r = put("name=eth0,bridge=vmbr0,ip=dhcp,tag=20")
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones/localnetwork/vmbr0/20, SDN.Use)" {
		t.Errorf("another tag: %d %q", r.Status, r.Reason)
	}
}

// TestIPv6AddressesInTheContainer: eth0's global IPv6 address as the
// container sees it (ip -6 addr): a static ip6 at start, and at once when
// a running container's net0 changes to another (update_ipconfig adds it
// and deletes the old one); auto is SLAAC on the simulated router's prefix
// with the EUI-64 identifier of the MAC address, taken up at the next start
// (update_ipconfig adds no address for auto or dhcp); the link-local
// address always.
func TestIPv6AddressesInTheContainer(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"},
		"net0": {"name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=02:00:5E:AA:BB:CC,ip6=2001:db8::10/64,gw6=2001:db8::1"}})
	ip6 := func() string {
		t.Helper()
		code, out := runInCT(t, sim, "pve1", "pct exec 100 -- ip -6 addr show eth0")
		if code != 0 {
			t.Fatalf("ip: exit %d: %s", code, out)
		}
		return out
	}
	want := "2: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n" +
		"    inet6 2001:db8::10/64 scope global \n       valid_lft forever preferred_lft forever\n" +
		"    inet6 fe80::5eff:feaa:bbcc/64 scope link \n       valid_lft forever preferred_lft forever\n"
	if got := ip6(); got != want {
		t.Errorf("static at start:\n%q\nwant\n%q", got, want)
	}
	put := func(net0 string) {
		t.Helper()
		if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"net0": {net0}}); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Raw)
		}
	}
	put("name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=02:00:5E:AA:BB:CC,ip6=2001:db8::20/64")
	if got := ip6(); !strings.Contains(got, "inet6 2001:db8::20/64 scope global \n") || strings.Contains(got, "2001:db8::10") {
		t.Errorf("static changed while running:\n%s", got)
	}
	put("name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=02:00:5E:AA:BB:CC,ip6=auto")
	if got := ip6(); strings.Contains(got, "scope global") {
		t.Errorf("auto while running keeps a global address before the next start:\n%s", got)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/reboot", nil); st != "OK" {
		t.Fatalf("reboot: %s", st)
	}
	if got := ip6(); !strings.Contains(got, "inet6 fd10:10::5eff:feaa:bbcc/64 scope global dynamic mngtmpaddr \n") {
		t.Errorf("auto after the next start:\n%s", got)
	}
	code, out := runInCT(t, sim, "pve1", "pct exec 100 -- ip -4 addr show eth0")
	if code != 0 || strings.Contains(out, "inet6") || !strings.Contains(out, "inet 10.10.") {
		t.Errorf("ip -4 shows: %s", out)
	}
}

// TestNetFormatsRefusedAsPVE: the API's parameter check refuses what
// pve-common's and pve-container's format verifiers refuse: a nameserver
// that is no IP address (verify_ip_with_ll_iface, where only a fe80:
// address may name an interface) and an ip or ip6 CIDR with a prefix of
// 7 bits or less (pve_verify_cidrv4, pve_verify_cidrv6).
func TestNetFormatsRefusedAsPVE(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, nil)
	for opt, value := range map[string]string{
		"nameserver": "dns.example", "searchdomain": "example.com.",
	} {
		r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{opt: {value}})
		if r.Status != 400 || !strings.Contains(r.Raw, "value does not look like a valid") {
			t.Errorf("%s=%s: %d %s", opt, value, r.Status, r.Raw)
		}
	}
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"nameserver": {"1.1.1.1 fe80::1%eth0 2001:db8::53"}})
	if r.Status != 200 {
		t.Errorf("a link-local server with its interface: %d %s", r.Status, r.Raw)
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"nameserver": {"2001:db8::53%eth0"}}); r.Status != 400 {
		t.Errorf("a global address with an interface: %d %s", r.Status, r.Raw)
	}
	for _, net0 := range []string{"name=eth0,bridge=vmbr0,ip6=2001:db8::/7", "name=eth0,bridge=vmbr0,ip=10.0.0.1/7"} {
		if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"net0": {net0}}); r.Status != 400 ||
			!strings.Contains(r.Raw, "network configuration") {
			t.Errorf("%s: %d %s", net0, r.Status, r.Raw)
		}
	}
}
