package pvesim

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSDNRefusals pins the plugins' checks and PVE's messages. Checks made
// inside lock_sdn_config (SDN.pm) die as "<errmsg>: <error>", a 500, a
// parameter exception stringified into it (PVE::Exception stringify).
func TestSDNRefusals(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	cases := []struct {
		name, method, path string
		form               url.Values
		status             int
		reason, message    string
	}{
		// Zones/Plugin.pm parse_sdn_zone_id, via the schema's format.
		{"zone ID too long", http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"pxnetwork"}, "type": {"simple"}}, 400,
			"Parameter verification failed.", "zone ID 'pxnetwork' can't be more length than 8 characters"},
		{"zone ID with a dash", http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"px-net"}, "type": {"simple"}}, 400,
			"Parameter verification failed.", "zone ID 'px-net' contains illegal characters"},
		// SectionConfig check_value: an option of another zone type.
		{"bridge on a simple zone", http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"z2"}, "type": {"simple"}, "bridge": {"vmbr0"}}, 500,
			"unexpected property 'bridge'", ""},
		// Zones.pm create: the only IPAM is pve.
		{"unknown ipam", http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"z2"}, "type": {"simple"}, "ipam": {"netbox"}}, 500,
			"create sdn zone object failed: 400 Parameter verification failed.", "ipam: netbox not existing"},
		{"zone exists", http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"pxnet"}, "type": {"simple"}}, 500,
			"create sdn zone object failed: sdn zone object ID 'pxnet' already defined", ""},
		// Zones/Plugin.pm on_delete_hook (a die without newline: Perl says where).
		{"zone with a vnet", http.MethodDelete, "/cluster/sdn/zones/pxnet", nil, 500,
			"delete sdn zone object failed: zone pxnet is used by vnet pxvnet at /usr/share/perl5/PVE/Network/SDN/Zones/Plugin.pm line 138.", ""},
		// SimplePlugin.pm vnet_update_hook.
		{"tag on a simple vnet", http.MethodPost, "/cluster/sdn/vnets", url.Values{"vnet": {"v2"}, "zone": {"pxnet"}, "tag": {"10"}}, 500,
			"create sdn vnet object failed: 400 Parameter verification failed.", "tag: vlan tag is not allowed on simple zone"},
		// VnetPlugin.pm on_delete_hook.
		{"vnet with a subnet", http.MethodDelete, "/cluster/sdn/vnets/pxvnet", nil, 500,
			"delete sdn vnet object failed: 400 Parameter verification failed.", "vnet: Can't delete vnet if subnets exists"},
		{"unknown vnet", http.MethodDelete, "/cluster/sdn/vnets/nothere", nil, 500, "sdn vnet 'nothere' does not exist", ""},
		// SubnetPlugin.pm on_update_hook and validate_dhcp_ranges.
		{"gateway outside", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
			url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}, "gateway": {"10.40.0.1"}}, 500,
			"create sdn subnet object failed: 400 Parameter verification failed.", "gateway: 10.40.0.1 is not in subnet 10.30.0.0/24"},
		{"range outside", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
			url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}, "dhcp-range": {"start-address=10.30.0.10,end-address=10.30.1.5"}}, 500,
			"create sdn subnet object failed: 400 Parameter verification failed.", "dhcp-range: end-address 10.30.1.5 is not in subnet 10.30.0.0/24"},
		{"range backwards", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
			url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}, "dhcp-range": {"start-address=10.30.0.50,end-address=10.30.0.10"}}, 500,
			"create sdn subnet object failed: 400 Parameter verification failed.",
			"dhcp-range: start-address 10.30.0.50 must be smaller than end-address 10.30.0.10"},
		// JSONSchema.pm check_prop of each array item.
		{"range without its end", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
			url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}, "dhcp-range": {"start-address=10.30.0.10"}}, 400,
			"Parameter verification failed.", `"dhcp-range[0]":"invalid format - format error\nend-address: property is missing and it is not optional"`},
		{"range of no address", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
			url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}, "dhcp-range": {"start-address=10.30.0.x,end-address=10.30.0.20"}}, 500,
			"create sdn subnet object failed: 400 Parameter verification failed.", "dhcp-range: start-address is not a valid IP 10.30.0.x"},
		{"subnet exists", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets", url.Values{"subnet": {"10.20.0.0/24"}, "type": {"subnet"}}, 500,
			"create sdn subnet object failed: sdn subnet object ID 'pxnet-10.20.0.0-24' already defined", ""},
		// SubnetPlugin.pm parse_sdn_subnet_id.
		{"not a CIDR", http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets", url.Values{"subnet": {"10.30.0.0/4"}, "type": {"subnet"}}, 400,
			"Parameter verification failed.", "value does not look like a valid CIDR network"},
		// Subnets.pm read.
		{"subnet of another vnet", http.MethodGet, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.99.0.0-24", nil, 500,
			"sdn subnet 'pxnet-10.99.0.0-24' does not exist", ""},
	}
	for _, c := range cases {
		r := callAs(t, sim, admin, c.method, c.path, c.form)
		if r.Status != c.status || r.Reason != c.reason || !strings.Contains(r.Raw, c.message) {
			t.Errorf("%s: %d %q %s", c.name, r.Status, r.Reason, r.Raw)
		}
	}
	if got := cfsText(t, sim, sdnZonesPath); got != "simple: pxnet\n\tdhcp dnsmasq\n\tipam pve\n\n" {
		t.Errorf("a refused change wrote zones.cfg: %q", got)
	}
}

// TestSDNDeleteInOrderAndPendingDeletion: a subnet, then its vnet, then the
// zone go (the reverse of their creation); after an apply, a deleted object
// stays in the pending view as deleted until the next apply
// (pending_config), and the IPAM forgets the subnet (PVEPlugin.pm
// del_subnet, which a lone gateway does not hold up).
func TestSDNDeleteInOrderAndPendingDeletion(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	applySDNAndWait(t, sim, admin)
	mustOK(t, callAs(t, sim, admin, http.MethodDelete, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.20.0.0-24", nil), "delete subnet")
	mustOK(t, callAs(t, sim, admin, http.MethodDelete, "/cluster/sdn/vnets/pxvnet", nil), "delete vnet")
	mustOK(t, callAs(t, sim, admin, http.MethodDelete, "/cluster/sdn/zones/pxnet", nil), "delete zone")
	zones := mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", url.Values{"pending": {"1"}})))
	if len(zones) != 1 || mustMap(t, zones[0])["state"] != "deleted" || mustMap(t, zones[0])["dhcp"] != "dnsmasq" {
		t.Errorf("deleted zone in the pending view: %v", zones)
	}
	if ipam := cfsText(t, sim, ipamDBPath); strings.Contains(ipam, "10.20.0.0/24") {
		t.Errorf("IPAM keeps the deleted subnet: %s", ipam)
	}
	applySDNAndWait(t, sim, admin)
	if zones := mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", url.Values{"pending": {"1"}}))); len(zones) != 0 {
		t.Errorf("zones after the second apply: %v", zones)
	}
	if bridges := sdnNodeBridges(sim.nodeByName("pve1")); len(bridges) != 0 {
		t.Errorf("bridges after the vnet's removal was applied: %v", bridges)
	}
}

// TestSDNReleaseDifferences: 9.x's SDN index lists fabrics, and its
// writes take a lock-token (the global lock of SDN.pm lock_sdn_config),
// which 8.4's schema does not have.
func TestSDNReleaseDifferences(t *testing.T) {
	for _, c := range []struct {
		release  string
		fabrics  bool
		lockOK   bool
		ipamLine string
	}{{"8.4", false, false, "line 283."}, {"9.1", true, true, "line 319."}} {
		sim := startSim(t, Options{Nodes: 1, PVEVersion: c.release})
		admin := sdnAdmin(sim)
		index := mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/sdn", nil)))
		hasFabrics := false
		for _, e := range index {
			hasFabrics = hasFabrics || mustMap(t, e)["id"] == "fabrics"
		}
		if hasFabrics != c.fabrics {
			t.Errorf("%s: index %v", c.release, index)
		}
		r := callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"pxnet"}, "type": {"simple"}, "lock-token": {"x"}})
		if (r.Status == 200) != c.lockOK {
			t.Errorf("%s: lock-token: %d %s", c.release, r.Status, r.Raw)
		}
		r = callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/ipams/netbox/status", nil)
		if r.Status != 500 || !strings.HasSuffix(r.Reason, c.ipamLine) {
			t.Errorf("%s: status of another IPAM: %d %q", c.release, r.Status, r.Reason)
		}
	}
}

// TestSDNDhcpRangeIsAList: dhcp-range is an array parameter (SubnetPlugin.pm
// properties), sent as repeated form keys or a JSON array, written one line
// per range (SectionConfig format_config_line) and read back as objects
// (Subnets.pm get_dhcp_ranges); overlapping ranges are refused
// (validate_dhcp_ranges).
func TestSDNDhcpRangeIsAList(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	mustOK(t, callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/vnets", url.Values{"vnet": {"v2"}, "zone": {"pxnet"}}), "vnet v2")
	mustOK(t, callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/vnets/v2/subnets", url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"},
		"dhcp-range": {"start-address=10.30.0.10,end-address=10.30.0.19", "start-address=10.30.0.100,end-address=10.30.0.199"}}), "two ranges")
	if got := cfsText(t, sim, sdnSubnetsPath); !strings.Contains(got, "subnet: pxnet-10.30.0.0-24\n\tvnet v2\n"+
		"\tdhcp-range start-address=10.30.0.10,end-address=10.30.0.19\n\tdhcp-range start-address=10.30.0.100,end-address=10.30.0.199\n\n") {
		t.Errorf("subnets.cfg: %q", got)
	}
	sub := mustMap(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/vnets/v2/subnets/pxnet-10.30.0.0-24", nil)))
	if ranges := mustSlice(t, sub["dhcp-range"]); len(ranges) != 2 || mustMap(t, ranges[1])["end-address"] != "10.30.0.199" {
		t.Errorf("ranges read back: %v", sub["dhcp-range"])
	}
	body := `{"subnet":"10.40.0.0/24","type":"subnet","dhcp-range":["start-address=10.40.0.10,end-address=10.40.0.20"]}`
	r := callWith(t, sim, http.MethodPost, "/cluster/sdn/vnets/v2/subnets", nil, func(req *http.Request) {
		req.Header.Set("Authorization", "PVEAPIToken="+admin)
		req.Header.Set("Content-Type", "application/json")
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
	})
	mustOK(t, r, "JSON body")
	if got := cfsText(t, sim, sdnSubnetsPath); !strings.Contains(got, "\tdhcp-range start-address=10.40.0.10,end-address=10.40.0.20\n") {
		t.Errorf("subnets.cfg after the JSON create: %q", got)
	}
	r = callAs(t, sim, admin, http.MethodPut, "/cluster/sdn/vnets/v2/subnets/pxnet-10.30.0.0-24",
		url.Values{"dhcp-range": {"start-address=10.30.0.10,end-address=10.30.0.50", "start-address=10.30.0.40,end-address=10.30.0.60"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "dhcp-range: dhcp ranges must not overlap") {
		t.Errorf("overlapping ranges: %d %s", r.Status, r.Raw)
	}
}

// TestSDNWithoutQuorum: creates begin with check_cfs_quorum (Zones.pm,
// Vnets.pm, Subnets.pm create); other changes fail taking the SDN lock
// (cfs_lock_file: "no quorum!"); 8.4's apply fails writing the running
// config (cfs_write_file), 9.1's taking the lock first.
func TestSDNWithoutQuorum(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		sim := startSim(t, Options{Nodes: 3, PVEVersion: release})
		admin := sdnAdmin(sim)
		createPxnet(t, sim, admin)
		sim.SetQuorate(false)
		r := callAs(t, sim, admin, http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"z2"}, "type": {"simple"}})
		if r.Status != 500 || r.Reason != "cluster not ready - no quorum?" {
			t.Errorf("%s create: %d %q", release, r.Status, r.Reason)
		}
		r = callAs(t, sim, admin, http.MethodDelete, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.20.0.0-24", nil)
		if r.Status != 500 || r.Reason != "delete sdn subnet object failed: cfs-lock 'file-sdn__running-config' error: no quorum!" {
			t.Errorf("%s delete: %d %q", release, r.Status, r.Reason)
		}
		want := "unable to open file '/etc/pve/sdn/.running-config.tmp.1342' - Permission denied"
		if release == "9.1" {
			want = "could not commit SDN config: cfs-lock 'file-sdn__running-config' error: no quorum!"
		}
		if r = callAs(t, sim, admin, http.MethodPut, "/cluster/sdn", nil); r.Status != 500 || r.Reason != want {
			t.Errorf("%s apply: %d %q", release, r.Status, r.Reason)
		}
		mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", nil), release+" read")
	}
}

// TestSDNApplyWithANodeDown: SDN.pm reload's worker warns about a node it
// cannot reload (warn $@ of run_command) and goes on with the others; the
// task ends with warnings and the node that was down has no vnet bridge.
func TestSDNApplyWithANodeDown(t *testing.T) {
	sim := startSim(t, Options{Nodes: 3})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	sim.mu.Lock()
	sim.nodeByName("pve3").Online = false
	sim.mu.Unlock()
	r := mustOK(t, callAs(t, sim, admin, http.MethodPut, "/cluster/sdn", nil), "apply")
	if status := waitTask(t, sim, mustString(t, data(r))); status != "WARNINGS: 1" {
		t.Errorf("apply task with pve3 down: %s", status)
	}
	waitSDNAvailable(t, sim, admin, "pve2")
	for node, want := range map[string]int{"pve1": 1, "pve2": 1, "pve3": 0} {
		if got := len(sdnNodeBridges(sim.nodeByName(node))); got != want {
			t.Errorf("%s vnet bridges: %d, want %d", node, got, want)
		}
	}
}

// TestSDNVnetsInTheNodeListingByRelease: pve-manager PVE/API2/Network.pm
// index adds the vnets for type any_bridge; 9.x also for vnet and
// include_sdn, which keeps every other interface too. On 8.4, type=vnet
// matches no interface of /etc/network/interfaces.
func TestSDNVnetsInTheNodeListingByRelease(t *testing.T) {
	for _, c := range []struct {
		release, filter string
		want            []string
	}{
		{"8.4", "any_bridge", []string{"pxvnet", "vmbr0"}},
		{"8.4", "vnet", nil},
		{"9.1", "vnet", []string{"pxvnet"}},
		{"9.1", "include_sdn", []string{"eno1", "eno2", "pxvnet", "vmbr0"}},
	} {
		sim := startSim(t, Options{Nodes: 1, PVEVersion: c.release})
		admin := sdnAdmin(sim)
		createPxnet(t, sim, admin)
		applySDNAndWait(t, sim, admin)
		var got []string
		for _, e := range mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/nodes/pve1/network", url.Values{"type": {c.filter}}))) {
			got = append(got, mustString(t, mustMap(t, e)["iface"]))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s type=%s: %v, want %v", c.release, c.filter, got, c.want)
		}
	}
}
