package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sdnAdmin is the README's identity, terraform@pve with PVEAdmin on /: the
// role holds SDN.Allocate and SDN.Audit (pve-access-control
// src/PVE/AccessControl.pm privgroups SDN admin, in 8.x and 9.x).
func sdnAdmin(sim *Simulator) string { return sim.Info().PVEAdminAPIToken }

// mustOK fails the test unless the call answered 200.
func mustOK(t *testing.T, r apiResponse, what string) apiResponse {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", what, r.Status, r.Raw)
	}
	return r
}

// createPxnet makes Proximity's isolated network as the provider would:
// a simple zone with DHCP and the PVE IPAM, a vnet, a subnet with SNAT,
// gateway and a DHCP range.
func createPxnet(t *testing.T, sim *Simulator, token string) {
	t.Helper()
	installDnsmasq(t, sim) // as an admin does before using SDN DHCP (node_packages.go)
	mustOK(t, callAs(t, sim, token, http.MethodPost, "/cluster/sdn/zones",
		url.Values{"zone": {"pxnet"}, "type": {"simple"}, "dhcp": {"dnsmasq"}, "ipam": {"pve"}}), "create zone")
	mustOK(t, callAs(t, sim, token, http.MethodPost, "/cluster/sdn/vnets",
		url.Values{"vnet": {"pxvnet"}, "zone": {"pxnet"}, "alias": {"proximity apps"}}), "create vnet")
	mustOK(t, callAs(t, sim, token, http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets",
		url.Values{"subnet": {"10.20.0.0/24"}, "type": {"subnet"}, "gateway": {"10.20.0.1"}, "snat": {"1"},
			"dhcp-range": {"start-address=10.20.0.100,end-address=10.20.0.200"}}), "create subnet")
}

// applySDNAndWait is PUT /cluster/sdn and its reloadnetworkall task.
func applySDNAndWait(t *testing.T, sim *Simulator, token string) {
	t.Helper()
	r := mustOK(t, callAs(t, sim, token, http.MethodPut, "/cluster/sdn", nil), "apply")
	upid := mustString(t, data(r))
	if !strings.Contains(upid, ":reloadnetworkall::") {
		t.Errorf("apply task: %s", upid)
	}
	if status := waitTask(t, sim, upid); status != "OK" {
		t.Fatalf("apply task: %s", status)
	}
	waitSDNAvailable(t, sim, token)
}

// waitSDNAvailable waits, as a client would, until /cluster/resources
// shows every applied zone "available" on every node (the other nodes'
// reloads may end after the apply task).
func waitSDNAvailable(t *testing.T, sim *Simulator, token string, nodes ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		pending := false
		for _, e := range mustSlice(t, data(callAs(t, sim, token, http.MethodGet, "/cluster/resources", url.Values{"type": {"sdn"}}))) {
			m := mustMap(t, e)
			if m["status"] == "pending" && (len(nodes) == 0 || containsString(nodes, mustString(t, m["node"]))) {
				pending = true
			}
		}
		if !pending {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("SDN zones still pending on a node")
}

func cfsText(t *testing.T, sim *Simulator, path string) string {
	t.Helper()
	raw, err := sim.cfs.ReadFile(path)
	if err != nil {
		t.Fatalf("/etc/pve%s: %v", path, err)
	}
	return string(raw)
}

// TestSDNPendingFilesAndPendingView: Zones.pm, Vnets.pm and Subnets.pm
// create write the section-config files (SectionConfig write_config:
// required options first); a subnet's ID is its zone and CIDR (Subnets.pm
// create: "$zoneid-$cidr" with / as -); before an apply, pending=1 shows
// every object as new with its values under "pending" (SDN.pm
// pending_config), and no vnet is a bridge of any node yet.
func TestSDNPendingFilesAndPendingView(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	for path, want := range map[string]string{
		sdnZonesPath: "simple: pxnet\n\tdhcp dnsmasq\n\tipam pve\n\n",
		sdnVnetsPath: "vnet: pxvnet\n\tzone pxnet\n\talias proximity apps\n\n",
		sdnSubnetsPath: "subnet: pxnet-10.20.0.0-24\n\tvnet pxvnet\n\tdhcp-range start-address=10.20.0.100,end-address=10.20.0.200\n" +
			"\tgateway 10.20.0.1\n\tsnat 1\n\n",
	} {
		if got := cfsText(t, sim, path); got != want {
			t.Errorf("/etc/pve%s:\n%q\nwant\n%q", path, got, want)
		}
	}
	zones := mustSlice(t, data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", url.Values{"pending": {"1"}}), "zones")))
	if len(zones) != 1 {
		t.Fatalf("pending zones: %v", zones)
	}
	z := mustMap(t, zones[0])
	p := mustMap(t, z["pending"])
	if z["zone"] != "pxnet" || z["type"] != "simple" || z["state"] != "new" || p["dhcp"] != "dnsmasq" || p["ipam"] != "pve" ||
		z["dhcp"] != nil || z["digest"] != nil {
		t.Errorf("pending zone: %v", z)
	}
	sub := mustMap(t, data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.20.0.0-24",
		url.Values{"pending": {"1"}}), "subnet")))
	sp := mustMap(t, sub["pending"])
	if sub["state"] != "new" || sub["vnet"] != "pxvnet" || sub["cidr"] != "10.20.0.0/24" || sub["mask"] != "24" ||
		sp["dhcp-range"] != "start-address=10.20.0.100,end-address=10.20.0.200" || sp["snat"] != float64(1) ||
		len(mustSlice(t, sub["dhcp-range"])) != 0 {
		t.Errorf("pending subnet: %v", sub)
	}
	plain := mustMap(t, data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.20.0.0-24", nil), "subnet")))
	ranges := mustSlice(t, plain["dhcp-range"])
	if len(ranges) != 1 || mustMap(t, ranges[0])["start-address"] != "10.20.0.100" || plain["gateway"] != "10.20.0.1" ||
		len(mustString(t, plain["digest"])) != 40 {
		t.Errorf("subnet: %v", plain)
	}
	running := data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", url.Values{"running": {"1"}}), "running"))
	if len(mustSlice(t, running)) != 0 {
		t.Errorf("running zones before an apply: %v", running)
	}
	bridges := data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/nodes/pve1/network", url.Values{"type": {"any_bridge"}}), "network"))
	for _, b := range mustSlice(t, bridges) {
		if mustMap(t, b)["iface"] == "pxvnet" {
			t.Errorf("vnet listed before the apply: %v", b)
		}
	}
}

// TestSDNApplyMakesTheVnetABridgeOnEveryNode: SDN.pm reload commits the
// pending config (commit_config: .running-config, version 1) and runs a
// reloadnetworkall task that reloads every node's network; each node
// writes interfaces.d/sdn (Zones.pm generate_etc_network_config with
// SimplePlugin.pm generate_sdn_config: the gateway as address, SNAT through
// the uplink). The node listing shows the vnet only for type any_bridge
// (pve-manager PVE/API2/Network.pm index: get_local_vnets), the cluster
// resources show the zone per node as available (Cluster.pm resources),
// the subnet's gateway is in the IPAM (SubnetPlugin.pm on_update_hook).
func TestSDNApplyMakesTheVnetABridgeOnEveryNode(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	applySDNAndWait(t, sim, admin)
	if run := sim.sdnRunningConfig(); run.Version != 1 || run.Vnets.IDs["pxvnet"] == nil || run.Subnets.IDs["pxnet-10.20.0.0-24"] == nil {
		t.Errorf("running config: %+v", run)
	}
	zones := mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/zones", url.Values{"pending": {"1"}})))
	if z := mustMap(t, zones[0]); z["state"] != nil || z["pending"] != nil || z["dhcp"] != "dnsmasq" {
		t.Errorf("zone after the apply: %v", z)
	}
	for _, node := range []string{"pve1", "pve2"} {
		sdn, err := sim.nodeByName(node).FS.ReadFile(sdnInterfacesPath)
		if err != nil || !strings.HasPrefix(string(sdn), "#version:1\n\nauto pxvnet\niface pxvnet\n\taddress 10.20.0.1/24\n") ||
			!strings.Contains(string(sdn), "\tpost-up iptables -t nat -A POSTROUTING -s '10.20.0.0/24' -o vmbr0 -j SNAT --to-source ") ||
			!strings.Contains(string(sdn), "\tbridge_ports none\n") {
			t.Errorf("%s interfaces.d/sdn: %q %v", node, sdn, err)
		}
		var vnet map[string]any
		for _, b := range mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/nodes/"+node+"/network", url.Values{"type": {"any_bridge"}}))) {
			if m := mustMap(t, b); m["iface"] == "pxvnet" {
				vnet = m
			}
		}
		if vnet == nil || vnet["type"] != "vnet" || vnet["active"] != "1" || vnet["ipam"] != float64(1) || vnet["comments"] != "proximity apps" {
			t.Errorf("%s any_bridge listing: %v", node, vnet)
		}
		for _, b := range mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/nodes/"+node+"/network", nil))) {
			if mustMap(t, b)["iface"] == "pxvnet" {
				t.Errorf("%s: the vnet is in the unfiltered listing (it is not in /etc/network/interfaces)", node)
			}
		}
	}
	found := 0
	for _, e := range mustSlice(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/resources", url.Values{"type": {"sdn"}}))) {
		if m := mustMap(t, e); m["sdn"] == "pxnet" && m["status"] == "available" {
			found++
		}
	}
	if found != 2 {
		t.Errorf("sdn resources of pxnet: %d, want one per node", found)
	}
	if ipam := cfsText(t, sim, ipamDBPath); !strings.Contains(ipam, `"10.20.0.0/24":{"ips":{"10.20.0.1":{"gateway":1}}}`) {
		t.Errorf("IPAM: %s", ipam)
	}
}

// TestSDNPermissions: creating a zone needs SDN.Allocate on /sdn/zones,
// a vnet SDN.Allocate on its zone, the apply SDN.Allocate on /sdn (the
// methods' permissions in SDN.pm, Zones.pm, Vnets.pm); a subnet SDN.Allocate
// on /sdn/zones/<zone>/<vnet> (Subnets.pm $check_vnet_access, check_any).
// Listings leave out what the caller may not audit. PVEVMAdmin has none.
func TestSDNPermissions(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	vmAdmin := tokenFor(t, sim, "vm@pve", "PVEVMAdmin")
	r := callAs(t, sim, vmAdmin, http.MethodPost, "/cluster/sdn/zones", url.Values{"zone": {"pxnet"}, "type": {"simple"}})
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones, SDN.Allocate)" {
		t.Errorf("zone as PVEVMAdmin: %d %q", r.Status, r.Reason)
	}
	createPxnet(t, sim, sim.Info().APIToken) // root@pam's token
	r = callAs(t, sim, vmAdmin, http.MethodPost, "/cluster/sdn/vnets", url.Values{"vnet": {"other"}, "zone": {"pxnet"}})
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones/pxnet, SDN.Allocate)" {
		t.Errorf("vnet as PVEVMAdmin: %d %q", r.Status, r.Reason)
	}
	r = callAs(t, sim, vmAdmin, http.MethodPost, "/cluster/sdn/vnets/pxvnet/subnets", url.Values{"subnet": {"10.30.0.0/24"}, "type": {"subnet"}})
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones/pxnet/pxvnet, SDN.Allocate)" {
		t.Errorf("subnet as PVEVMAdmin: %d %q", r.Status, r.Reason)
	}
	if r = callAs(t, sim, vmAdmin, http.MethodPut, "/cluster/sdn", nil); r.Status != 403 || r.Reason != "Permission check failed (/sdn, SDN.Allocate)" {
		t.Errorf("apply as PVEVMAdmin: %d %q", r.Status, r.Reason)
	}
	if zones := mustSlice(t, data(callAs(t, sim, vmAdmin, http.MethodGet, "/cluster/sdn/zones", nil))); len(zones) != 0 {
		t.Errorf("zones PVEVMAdmin may not audit: %v", zones)
	}
	pveum(t, sim, "aclmod /sdn/zones/pxnet -user vm@pve -role PVESDNAdmin")
	if zones := mustSlice(t, data(callAs(t, sim, vmAdmin, http.MethodGet, "/cluster/sdn/zones", nil))); len(zones) != 1 {
		t.Errorf("zones with PVESDNAdmin on pxnet: %v", zones)
	}
	mustOK(t, callAs(t, sim, vmAdmin, http.MethodPost, "/cluster/sdn/vnets", url.Values{"vnet": {"other"}, "zone": {"pxnet"}}), "vnet with PVESDNAdmin")
}
