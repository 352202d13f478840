package pvesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// networkRoutes registers the paths of a node's network configuration (/nodes/{node}/network).
func (s *Simulator) networkRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/nodes/{node}/network": {
			"GET": s.listNetwork, "POST": s.createNetwork, "PUT": s.reloadNetwork, "DELETE": s.revertNetwork,
		},
		"/nodes/{node}/network/{iface}": {
			"GET": s.getNetwork, "PUT": s.updateNetwork, "DELETE": s.deleteNetwork,
		},
	}
}

// withChanges makes the answer carry "changes" beside "data", as
// $rpcenv->set_result_attrib('changes', ...) does in Network.pm index.
type withChanges struct {
	data    any
	changes string
}

// readNetwork is PVE::INotify::read_file('interfaces'): the pending file when
// there is one, else the applied file; active marks what the applied file
// brought up. changes is `diff -b -N -u interfaces interfaces.new`.
func (s *Simulator) readNetwork(n *node) (cfg *netConfig, changes string) {
	s.ensureInterfaces(n)
	applied, _ := n.FS.ReadFile(interfacesPath)
	pending, perr := n.FS.ReadFile(interfacesNewPath)
	running := parseInterfaces(string(applied))
	cfg = running
	if perr == nil {
		cfg = parseInterfaces(string(pending))
		changes = unifiedDiff(interfacesPath, interfacesNewPath, string(applied), string(pending), n)
	}
	for name, d := range cfg.Ifaces {
		d.Active = running.isActive(name)
	}
	return cfg, changes
}

// isActive tells whether the applied configuration brings an interface up:
// auto interfaces, and the ports and slaves of those.
func (cfg *netConfig) isActive(name string) bool {
	if d := cfg.Ifaces[name]; d != nil && d.Autostart {
		return true
	}
	for _, d := range cfg.Ifaces {
		if !d.Autostart {
			continue
		}
		for _, p := range d.ports() {
			if p == name {
				return true
			}
		}
	}
	return false
}

// nodeBridges lists the bridges the node has now (its applied configuration).
func (s *Simulator) nodeBridges(n *node) map[string]bool {
	s.ensureInterfaces(n)
	applied, _ := n.FS.ReadFile(interfacesPath)
	out := map[string]bool{}
	for name, d := range parseInterfaces(string(applied)).Ifaces {
		if d.Type == "bridge" || d.Type == "OVSBridge" {
			out[name] = true
		}
	}
	for _, vnet := range sdnNodeBridges(n) { // sdn_node.go
		out[vnet] = true
	}
	return out
}

// writeNetwork is write_file('interfaces'): it writes the shadow file.
func (s *Simulator) writeNetwork(n *node, cfg *netConfig) error {
	if err := cfg.check(); err != nil {
		return fail("%s", err.Error())
	}
	if err := n.FS.WriteFile(interfacesNewPath, []byte(cfg.String()), 0o644); err != nil {
		return fail("%s", err.Error())
	}
	s.persistSoon()
	return nil
}

func (s *Simulator) networkNode(r *request) (*node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	if n == nil {
		return nil, noSuchNode(r.node())
	}
	return n, nil
}

// listNetwork is Network.pm index: every interface but lo, filtered by
// type (any_bridge and any_local_bridge are the bridges); bridges only for
// callers with SDN.Audit or SDN.Use on them in the local zone.
func (s *Simulator) listNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	cfg, changes := s.readNetwork(n)
	filter := r.params["type"]
	out := []any{}
	for _, name := range sortedKeys(cfg.Ifaces) {
		d := cfg.Ifaces[name]
		if name == "lo" {
			continue
		}
		isBridge := d.Type == "bridge" || d.Type == "OVSBridge"
		// 9.x's include_sdn keeps every interface and adds the SDN ones (sdn_node.go).
		if filter != "" && filter != "include_sdn" && filter != d.Type && (!isBridge || (filter != "any_bridge" && filter != "any_local_bridge")) {
			continue
		}
		if isBridge && r.authid != "root@pam" && !s.canSeeBridge(r, name) {
			continue
		}
		out = append(out, d.apiValue())
	}
	out = s.sdnLocalVnets(r, n, filter, out) // sdn_node.go
	if changes != "" {
		return withChanges{data: out, changes: changes}, nil
	}
	return out, nil
}

// canSeeBridge is check_sdn_bridge($authuser, "localnetwork", $bridge,
// ['SDN.Audit', 'SDN.Use'], 1).
func (s *Simulator) canSeeBridge(r *request, bridge string) bool {
	path := "/sdn/zones/localnetwork/" + bridge
	return r.acc.check(r.authid, path, "SDN.Audit") == nil || r.acc.check(r.authid, path, "SDN.Use") == nil
}

// getNetwork is Network.pm network_config.
func (s *Simulator) getNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	cfg, _ := s.readNetwork(n)
	d := cfg.Ifaces[r.params["iface"]]
	if d == nil {
		return nil, paramFail("iface", "interface does not exist")
	}
	return d.apiValue(), nil
}

// revertNetwork is Network.pm revert_network_changes: unlink interfaces.new.
func (s *Simulator) revertNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	_ = n.FS.Remove(interfacesNewPath)
	s.persistSoon()
	return nil, nil
}

// reloadNetwork is Network.pm reload_network_config: a srvreload task of
// "networking" that moves interfaces.new over interfaces and runs
// `ifreload -a`.
func (s *Simulator) reloadNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tk := s.startTask(n, "srvreload", "networking", r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(time.Second); err != nil {
			return err
		}
		if err := s.faults.taskFailure("srvreload"); err != nil {
			return err
		}
		if data, err := n.FS.ReadFile(interfacesNewPath); err == nil {
			if err := n.FS.WriteFile(interfacesPath, data, 0o644); err != nil {
				return err
			}
			_ = n.FS.Remove(interfacesNewPath)
		}
		if err := s.sdnDHCPReady(n, t); err != nil { // generate_dhcp_config dies first (sdn_node.go)
			return err
		}
		s.generateSDNNodeConfig(n) // sdn_node.go
		s.persistSoon()
		return nil
	})
	return tk.UPID, nil
}

// interfacesLockPath is Network.pm's $iflockfn.
const interfacesLockPath = "/etc/network/.pve-interfaces.lock"

// lockInterfaces runs change as Network.pm's create_network, update_network
// and delete_network run theirs: under PVE::Tools::lock_file($iflockfn, 10),
// an flock(2) on the file (opened with '>>', so it is created), given up
// after 10 s with lock_file's message. A script holding the file with
// flock(1) on the node makes the API wait.
func (s *Simulator) lockInterfaces(n *node, change func() (any, error)) (any, error) {
	if _, err := n.FS.Stat(interfacesLockPath); err != nil {
		_ = n.FS.WriteFile(interfacesLockPath, nil, 0o644)
	}
	release, ok := n.flocks.Acquire(s.ctx, interfacesLockPath, s.clock.lockWait(10*time.Second))
	if !ok {
		return nil, fail("can't lock file '%s' - got timeout", interfacesLockPath)
	}
	defer release()
	return change()
}

// createNetwork is Network.pm create_network.
func (s *Simulator) createNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	return s.lockInterfaces(n, func() (any, error) { return s.createNetworkLocked(r, n) })
}

func (s *Simulator) createNetworkLocked(r *request, n *node) (any, error) {
	cfg, _ := s.readNetwork(n)
	name := r.params["iface"]
	if cfg.Ifaces[name] != nil {
		return nil, paramFail("iface", "interface already exists")
	}
	params := networkParams(r)
	if aerr := checkNetworkParams(cfg, name, params); aerr != nil {
		return nil, aerr
	}
	d := &netIface{Name: name, Type: params["type"], Options: map[string]string{}}
	delete(params, "type")
	applyNetworkParams(d, params)
	d.finish()
	cfg.Ifaces[name] = d
	return nil, s.writeNetwork(n, cfg)
}

// updateNetwork is Network.pm update_network: delete the listed keys, merge
// the parameters; method and families follow the parameters of this call
// (an update without address makes the interface manual, as in PVE).
func (s *Simulator) updateNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	return s.lockInterfaces(n, func() (any, error) { return s.updateNetworkLocked(r, n) })
}

func (s *Simulator) updateNetworkLocked(r *request, n *node) (any, error) {
	cfg, _ := s.readNetwork(n)
	name := r.params["iface"]
	d := cfg.Ifaces[name]
	if d == nil {
		return nil, paramFail("iface", "interface does not exist")
	}
	for _, k := range splitList(r.params["delete"]) {
		switch k {
		case "cidr", "address":
			d.Address, d.Netmask = "", ""
		case "cidr6", "address6":
			d.Address6, d.Netmask6 = "", ""
		case "gateway", "gateway6", "netmask", "netmask6":
			d.set(k, "")
		case "comments":
			d.Comments = ""
		case "comments6":
			d.Comments6 = ""
		case "autostart":
			d.Autostart = false
		default:
			delete(d.Options, k)
		}
	}
	params := networkParams(r)
	if aerr := checkNetworkParams(cfg, name, params); aerr != nil {
		return nil, aerr
	}
	if t := params["type"]; t != "" {
		d.Type = t
	}
	delete(params, "type")
	applyNetworkParams(d, params)
	return nil, s.writeNetwork(n, cfg)
}

// deleteNetwork is Network.pm delete_network.
func (s *Simulator) deleteNetwork(r *request) (any, error) {
	n, err := s.networkNode(r)
	if err != nil {
		return nil, err
	}
	return s.lockInterfaces(n, func() (any, error) { return s.deleteNetworkLocked(r, n) })
}

func (s *Simulator) deleteNetworkLocked(r *request, n *node) (any, error) {
	cfg, _ := s.readNetwork(n)
	name := r.params["iface"]
	if cfg.Ifaces[name] == nil {
		return nil, paramFail("iface", "interface does not exist")
	}
	delete(cfg.Ifaces, name)
	return nil, s.writeNetwork(n, cfg)
}

// networkParams are the interface's settings of a request (node, iface and
// delete are not settings); cidr is split into address and netmask.
func networkParams(r *request) map[string]string {
	out := map[string]string{}
	for k, v := range r.params {
		if k != "node" && k != "iface" && k != "delete" {
			out[k] = v
		}
	}
	return out
}

// checkNetworkParams raises the parameter errors of create and update:
// $check_duplicate_gateway, $check_duplicate_ports, and
// $map_cidr_to_address_netmask's conflicts.
func checkNetworkParams(cfg *netConfig, name string, params map[string]string) *apiError {
	for _, gw := range []struct{ key, label string }{{"gateway", "Default gateway"}, {"gateway6", "Default ipv6 gateway"}} {
		if params[gw.key] == "" {
			continue
		}
		for _, other := range sortedKeys(cfg.Ifaces) {
			d := cfg.Ifaces[other]
			has := d.Gateway
			if gw.key == "gateway6" {
				has = d.Gateway6
			}
			if other != name && has != "" {
				return paramFail(gw.key, gw.label+" already exists on interface '"+other+"'.")
			}
		}
	}
	paramName := ""
	newPorts := map[string]bool{}
	for _, k := range []string{"bridge_ports", "ovs_ports", "slaves", "ovs_bonds"} {
		if params[k] != "" {
			if paramName == "" {
				paramName = k
			}
			for _, p := range splitList(params[k]) {
				newPorts[p] = true
			}
		}
	}
	for _, other := range sortedKeys(cfg.Ifaces) {
		if other == name {
			continue
		}
		for _, p := range cfg.Ifaces[other].ports() {
			if newPorts[p] {
				return paramFail(paramName, p+" is already used on interface '"+other+"'.")
			}
		}
	}
	for _, fam := range []string{"", "6"} {
		cidr := params["cidr"+fam]
		if cidr == "" {
			continue
		}
		if params["address"+fam] != "" {
			return paramFail("address"+fam, "address"+fam+" conflicts with cidr"+fam)
		}
		if params["netmask"+fam] != "" {
			return paramFail("netmask"+fam, "netmask"+fam+" conflicts with cidr"+fam)
		}
		base, bits, _ := strings.Cut(cidr, "/")
		params["address"+fam], params["netmask"+fam] = base, bits
		delete(params, "cidr"+fam)
	}
	if params["bridge_vids"] != "" {
		vids := splitList(params["bridge_vids"])
		if len(vids) == 0 {
			return paramFail("bridge_vids", "VLAN list items are empty")
		}
		params["bridge_vids"] = strings.Join(vids, " ")
	}
	return nil
}

// applyNetworkParams merges settings into an interface; method and
// families are derived from whether this call set an address.
func applyNetworkParams(d *netIface, params map[string]string) {
	for k, v := range params {
		switch k {
		case "address", "netmask", "gateway", "address6", "netmask6", "gateway6":
			d.set(k, v)
		case "comments":
			d.Comments = v
		case "comments6":
			d.Comments6 = v
		case "autostart":
			d.Autostart = v == "1"
		default:
			d.Options[k] = v
		}
	}
	d.Families = nil
	if params["address"] != "" {
		d.Families = append(d.Families, "inet")
	}
	if params["address6"] != "" {
		d.Families = append(d.Families, "inet6")
	}
	if len(d.Families) == 0 {
		d.Families = []string{"inet"}
	}
	d.Method, d.Method6 = "manual", "manual"
	if params["address"] != "" {
		d.Method = "static"
	}
	if params["address6"] != "" {
		d.Method6 = "static"
	}
}

// checkStartBridges fails a container start whose netN names a bridge the
// node does not have, as the lxc network hook does: lxcnetaddbr's
// PVE::LXC::net_tap_plug reads the bridge's MTU (pve-common
// src/PVE/Network.pm read_bridge_mtu: "bridge '<name>' does not exist"),
// lxc-start gives up, and vm_start dies with "startup for container '<vmid>'
// failed" after printing lxc's log (pve-container src/PVE/LXC.pm
// monitor_start). It runs inside the start task with s.mu held.
func (s *Simulator) checkStartBridges(g *guest) error {
	n := s.nodeByName(g.Node)
	if n == nil {
		return nil
	}
	bridges := s.nodeBridges(n)
	for i := 0; i < 32; i++ {
		raw, ok := g.Config["net"+strconv.Itoa(i)]
		if !ok {
			continue
		}
		bridge := propertyValue(raw, "bridge")
		if bridge == "" || bridges[bridge] {
			continue
		}
		s.appendStartLog(n, g.VMID,
			"bridge '"+bridge+"' does not exist",
			"run_buffer: 571 Script exited with status 2",
			"lxc_create_network_priv: 3466 No such device - Failed to create network device",
			"lxc_spawn: 1840 Failed to create the network",
			fmt.Sprintf("__lxc_start: 2107 Failed to spawn container \"%d\"", g.VMID))
		return fmt.Errorf("startup for container '%d' failed", g.VMID)
	}
	return nil
}

// appendStartLog adds lines to the running vzstart task of a guest.
func (s *Simulator) appendStartLog(n *node, vmid int, lines ...string) {
	for i := len(n.Tasks) - 1; i >= 0; i-- {
		tk := n.Tasks[i]
		if tk.Type == "vzstart" && tk.ID == strconv.Itoa(vmid) && tk.Status == "running" {
			tk.mu.Lock()
			tk.Log = append(tk.Log, lines...)
			tk.mu.Unlock()
			return
		}
	}
}
