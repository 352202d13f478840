package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// leaseOf asks the SDN lease source for a guest's interface, as the guest
// network does.
func leaseOf(t *testing.T, sim *Simulator, vmid int, netKey string) (string, bool) {
	t.Helper()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	g := sim.guests[vmid]
	if g == nil {
		t.Fatalf("CT %d is gone", vmid)
	}
	return sdnBridgeLease(sim, g, netKey, propertyValue(g.Config[netKey], "bridge"))
}

func startCT(t *testing.T, sim *Simulator, node string, vmid int) string {
	t.Helper()
	r := mustOK(t, call(t, sim, http.MethodPost, "/nodes/"+node+"/lxc/"+itoa(vmid)+"/status/start", nil), "start")
	return waitTask(t, sim, mustString(t, data(r)))
}

// TestSDNContainerGetsALeaseFromTheSubnetRange: a container on a vnet of a
// zone with dhcp=dnsmasq and the PVE IPAM starts only once the vnet is
// applied (the node has no such bridge before: lxcnetaddbr), then gets the
// first free address of the subnet's dhcp-range, recorded in the IPAM with
// its MAC, hostname and vmid (Vnets.pm add_dhcp_mapping ->
// add_next_free_cidr -> PVEPlugin.pm add_range_next_freeip), the same one
// each time it asks; a static ip= keeps its own address though the IPAM
// maps one to its MAC all the same; Ipams.pm status lists the entries; a
// destroyed container's address is released (LXC.pm destroy_lxc_container
// -> delete_ifaces_ipams_ips), and the IPAM refuses to drop a subnet with
// addresses in use (PVEPlugin.pm del_subnet).
func TestSDNContainerGetsALeaseFromTheSubnetRange(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	onVnet := func(ip string) url.Values { return url.Values{"net0": {"name=eth0,bridge=pxvnet," + ip}} }
	createCT(t, sim, "pve1", 100, onVnet("ip=dhcp"))
	if status := startCT(t, sim, "pve1", 100); status != "startup for container '100' failed" {
		t.Errorf("start on a vnet not yet applied: %s", status)
	}
	applySDNAndWait(t, sim, admin)
	if status := startCT(t, sim, "pve1", 100); status != "OK" {
		t.Fatalf("start on the applied vnet: %s", status)
	}
	sim.mu.Lock()
	started := sim.guests[100].IP
	sim.mu.Unlock()
	if started != "10.20.0.100/24" {
		t.Errorf("address of the started CT: %q, want the vnet's first DHCP address", started)
	}
	createCT(t, sim, "pve1", 101, onVnet("ip=dhcp"))
	createCT(t, sim, "pve2", 102, onVnet("ip=dhcp"))
	createCT(t, sim, "pve1", 103, onVnet("ip=10.20.0.50/24,gw=10.20.0.1"))
	for i, vmid := range []int{100, 101, 102} {
		want := "10.20.0.10" + itoa(i) + "/24"
		for range 2 {
			if ip, ok := leaseOf(t, sim, vmid, "net0"); ip != want || !ok {
				t.Errorf("CT %d lease: %q %v, want %s", vmid, ip, ok, want)
			}
		}
	}
	if ip, ok := leaseOf(t, sim, 103, "net0"); ok || ip != "" {
		t.Errorf("static address: %q %v", ip, ok)
	}
	sim.mu.Lock()
	hw100 := propertyValue(sim.guests[100].Config["net0"], "hwaddr")
	same, across := sim.sameSegment(sim.guests[100], sim.guests[101]), sim.sameSegment(sim.guests[100], sim.guests[102])
	vnet, uplink := sim.isSDNVnet("pxvnet"), sim.isSDNVnet("vmbr0")
	sim.mu.Unlock()
	if !same || across || !vnet || uplink {
		t.Errorf("a simple zone is node-local: same node %v, across nodes %v; pxvnet a vnet %v, vmbr0 %v", same, across, vnet, uplink)
	}
	ipam := cfsText(t, sim, ipamDBPath)
	if !strings.Contains(ipam, `"10.20.0.100":{"hostname":"CT100","mac":"`+hw100+`","vmid":"100"}`) || !strings.Contains(ipam, `"10.20.0.103":{`) {
		t.Errorf("IPAM: %s", ipam)
	}
	status := mustSlice(t, data(mustOK(t, callAs(t, sim, admin, http.MethodGet, "/cluster/sdn/ipams/pve/status", nil), "ipam status")))
	if len(status) != 5 || mustMap(t, status[1])["ip"] != "10.20.0.100" || mustMap(t, status[1])["vnet"] != "pxvnet" ||
		mustMap(t, status[1])["zone"] != "pxnet" || mustMap(t, status[0])["gateway"] != float64(1) {
		t.Errorf("IPAM status: %v", status)
	}
	r := mustOK(t, call(t, sim, http.MethodDelete, "/nodes/pve1/lxc/101", nil), "destroy")
	if s := waitTask(t, sim, mustString(t, data(r))); s != "OK" {
		t.Fatalf("destroy: %s", s)
	}
	if ipam := cfsText(t, sim, ipamDBPath); strings.Contains(ipam, `"10.20.0.101"`) {
		t.Errorf("the destroyed CT's address stays: %s", ipam)
	}
	r = callAs(t, sim, admin, http.MethodDelete, "/cluster/sdn/vnets/pxvnet/subnets/pxnet-10.20.0.0-24", nil)
	if r.Status != 500 || r.Reason != "delete sdn subnet object failed: cannot delete subnet '10.20.0.0/24', not empty" {
		t.Errorf("subnet with leases: %d %q", r.Status, r.Reason)
	}
}

// TestVnetNeedsSDNUseOnItsZone: check_vnet_access (pve-guest-common
// src/PVE/GuestHelpers.pm) asks SDN.Use on /sdn/zones/<the vnet's
// zone>/<vnet>, the zone read from vnets.cfg; other bridges stay in
// localnetwork.
func TestVnetNeedsSDNUseOnItsZone(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createPxnet(t, sim, sdnAdmin(sim))
	createCT(t, sim, "pve1", 100, nil)
	pveum(t, sim, "user add vm@pve")
	pveum(t, sim, "aclmod /vms -user vm@pve -role PVEVMAdmin")
	pveum(t, sim, "aclmod /sdn/zones/localnetwork -user vm@pve -role PVESDNUser")
	token := newToken(t, sim, "vm@pve", "tk", "--privsep 0")
	net1 := url.Values{"net1": {"name=eth1,bridge=pxvnet,ip=dhcp"}}
	r := callAs(t, sim, token, http.MethodPut, "/nodes/pve1/lxc/100/config", net1)
	if r.Status != 403 || r.Reason != "Permission check failed (/sdn/zones/pxnet/pxvnet, SDN.Use)" {
		t.Errorf("vnet without SDN.Use on it: %d %q", r.Status, r.Reason)
	}
	pveum(t, sim, "aclmod /sdn/zones/pxnet/pxvnet -user vm@pve -role PVESDNUser")
	mustOK(t, callAs(t, sim, token, http.MethodPut, "/nodes/pve1/lxc/100/config", net1), "vnet with SDN.Use")
}

// TestSDNStartMapsEveryInterface: lxc-pve-prestart-hook maps every netN on
// a vnet with DHCP (add_dhcp_mapping), whatever its ip=: a gateway's second
// interface on the isolated network gets its address in the IPAM at start,
// and a static interface an entry too, while the uplink's net0 gets none.
func TestSDNStartMapsEveryInterface(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	applySDNAndWait(t, sim, admin)
	createCT(t, sim, "pve1", 120, url.Values{"net1": {"name=eth1,bridge=pxvnet,ip=dhcp"}})
	createCT(t, sim, "pve1", 121, url.Values{"net0": {"name=eth0,bridge=pxvnet,ip=10.20.0.50/24,gw=10.20.0.1"}})
	for _, vmid := range []int{120, 121} {
		if status := startCT(t, sim, "pve1", vmid); status != "OK" {
			t.Fatalf("start CT %d: %s", vmid, status)
		}
	}
	sim.mu.Lock()
	hw120 := propertyValue(sim.guests[120].Config["net1"], "hwaddr")
	hw121 := propertyValue(sim.guests[121].Config["net0"], "hwaddr")
	sim.mu.Unlock()
	ipam := cfsText(t, sim, ipamDBPath)
	if !strings.Contains(ipam, `"10.20.0.100":{"hostname":"CT120","mac":"`+hw120+`","vmid":"120"}`) ||
		!strings.Contains(ipam, `"10.20.0.101":{"hostname":"CT121","mac":"`+hw121+`","vmid":"121"}`) {
		t.Errorf("IPAM after the starts: %s", ipam)
	}
	if ip, ok := leaseOf(t, sim, 120, "net1"); ip != "10.20.0.100/24" || !ok {
		t.Errorf("the gateway's net1 lease: %q %v", ip, ok)
	}
	if ip, ok := leaseOf(t, sim, 120, "net0"); ok || ip != "" {
		t.Errorf("net0 on vmbr0 is no vnet: %q %v", ip, ok)
	}
}

// TestSDNConfigChangesReserveAndRelease: a stopped container's new netN on
// a vnet with DHCP gets an address reserved when the change is applied
// (pve-container src/PVE/LXC/Config.pm vmconfig_apply_pending:
// add_next_free_cidr), moving it to another bridge or deleting it releases
// the address (del_ips_from_mac); pct create itself reserves none (create_vm
// calls create_ifaces_ipams_ips only for a unique restore).
func TestSDNConfigChangesReserveAndRelease(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	admin := sdnAdmin(sim)
	createPxnet(t, sim, admin)
	applySDNAndWait(t, sim, admin)
	createCT(t, sim, "pve1", 130, url.Values{"net1": {"name=eth1,bridge=pxvnet,ip=dhcp"}})
	if ipam := cfsText(t, sim, ipamDBPath); strings.Contains(ipam, `"vmid":"130"`) {
		t.Errorf("pct create reserved an address: %s", ipam)
	}
	put := func(form url.Values) {
		t.Helper()
		mustOK(t, call(t, sim, http.MethodPut, "/nodes/pve1/lxc/130/config", form), "config")
	}
	put(url.Values{"net2": {"name=eth2,bridge=pxvnet,ip=dhcp"}})
	sim.mu.Lock()
	hw2 := propertyValue(sim.guests[130].Config["net2"], "hwaddr")
	sim.mu.Unlock()
	if ipam := cfsText(t, sim, ipamDBPath); !strings.Contains(ipam, `"10.20.0.100":{"hostname":"CT130","mac":"`+hw2+`","vmid":"130"}`) {
		t.Errorf("net2 added on the vnet: %s", ipam)
	}
	put(url.Values{"net2": {"name=eth2,bridge=vmbr0,ip=dhcp,hwaddr=" + hw2}})
	if ipam := cfsText(t, sim, ipamDBPath); strings.Contains(ipam, `"vmid":"130"`) {
		t.Errorf("net2 moved to vmbr0 keeps its address: %s", ipam)
	}
	put(url.Values{"net2": {"name=eth2,bridge=pxvnet,ip=dhcp,hwaddr=" + hw2}})
	put(url.Values{"delete": {"net2"}})
	if ipam := cfsText(t, sim, ipamDBPath); strings.Contains(ipam, `"vmid":"130"`) {
		t.Errorf("net2 deleted keeps its address: %s", ipam)
	}
}
