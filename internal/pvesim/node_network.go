package pvesim

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// The node's network configuration lives where PVE keeps it: ifupdown2's
// /etc/network/interfaces, with changes made through the API pending in
// /etc/network/interfaces.new until a reload applies them (pve-common
// src/PVE/INotify.pm registers interfaces.new as the shadow of interfaces).
const (
	interfacesPath    = "/etc/network/interfaces"
	interfacesNewPath = "/etc/network/interfaces.new"
)

// nodeNICs are the physical network cards every simulated node has.
var nodeNICs = []string{"eno1", "eno2"}

// netIface is one interface as PVE's reader makes it (the hash $d of
// __read_etc_network_interfaces): typed fields for what every interface has,
// Options for the type-specific keys, by their API names (bridge_ports,
// bridge_stp, slaves, bond_mode, mtu, ...).
type netIface struct {
	Name      string
	Type      string
	Method    string
	Method6   string
	Families  []string
	Autostart bool
	Priority  int
	Exists    bool
	Active    bool
	Address   string
	Netmask   string
	Gateway   string
	Address6  string
	Netmask6  string
	Gateway6  string
	Comments  string
	Comments6 string
	Options   map[string]string
}

// netConfig is a parsed interfaces file: the interfaces and the lines that
// are no interface (source, ...), kept with their position.
type netConfig struct {
	Ifaces map[string]*netIface
	Lines  []netLine
}

type netLine struct {
	priority int
	text     string
}

// ifaceOptionNames maps ifupdown2's spellings to the API's, as the reader's
// %$options_alternatives does.
var ifaceOptionNames = map[string]string{
	"bond-slaves": "slaves", "bond_slaves": "slaves", "bond-xmit-hash-policy": "bond_xmit_hash_policy",
	"bond-mode": "bond_mode", "bond-miimon": "bond_miimon", "bridge-vlan-aware": "bridge_vlan_aware",
	"bridge-fd": "bridge_fd", "bridge-stp": "bridge_stp", "bridge-ports": "bridge_ports", "bridge-vids": "bridge_vids",
}

var (
	physicalNICRe = regexp.MustCompile(`^(?:eth\d+|en[^:.]+|ib[^:.]+)$`)
	bondNameRe    = regexp.MustCompile(`^bond\d+$`)
	vlanDotRe     = regexp.MustCompile(`^\S+\.\d+$`)
	vlanNameRe    = regexp.MustCompile(`^vlan\d+$`)
)

// initialInterfaces is /etc/network/interfaces as the PVE installer writes
// it: the loopback, the NICs, and vmbr0 bridged to the first NIC with the
// node's address.
func initialInterfaces(ip string) string {
	gw := ip
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Is4() {
		b := addr.As4()
		b[3] = 254
		gw = netip.AddrFrom4(b).String()
	}
	return "auto lo\niface lo inet loopback\n\niface eno1 inet manual\n\n" +
		"auto vmbr0\niface vmbr0 inet static\n\taddress " + ip + "/24\n\tgateway " + gw + "\n" +
		"\tbridge-ports eno1\n\tbridge-stp off\n\tbridge-fd 0\n\niface eno2 inet manual\n\n" +
		"source /etc/network/interfaces.d/*\n"
}

// ensureInterfaces writes the installer's file on a node that has none (a
// node from a state file made before the network was simulated).
func (s *Simulator) ensureInterfaces(n *node) {
	if _, err := n.FS.Stat(interfacesPath); err == nil {
		return
	}
	_ = n.FS.MkdirAll("/etc/network/interfaces.d", 0o755)
	_ = n.FS.WriteFile(interfacesPath, []byte(initialInterfaces(n.IP)), 0o644)
}

// parseInterfaces reads an interfaces file as __read_etc_network_interfaces
// does (the subset of stanzas PVE itself writes).
func parseInterfaces(text string) *netConfig {
	cfg := &netConfig{Ifaces: map[string]*netIface{}}
	get := func(name string) *netIface {
		d := cfg.Ifaces[name]
		if d == nil {
			d = &netIface{Name: name, Options: map[string]string{}}
			cfg.Ifaces[name] = d
		}
		return d
	}
	priority := 2 // 1 is lo's
	var cur *netIface
	suffix := ""
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if cur != nil {
				comment := strings.TrimPrefix(line, "#")
				if suffix == "6" {
					cur.Comments6 += comment + "\n"
				} else {
					cur.Comments += comment + "\n"
				}
			}
			continue
		}
		fields := strings.Fields(line)
		switch {
		case fields[0] == "auto" || strings.HasPrefix(fields[0], "allow-"):
			cur = nil
			for _, name := range fields[1:] {
				get(name).Autostart = true
			}
			continue
		case fields[0] == "iface" && len(fields) >= 4:
			cur = get(fields[1])
			if cur.Priority == 0 {
				cur.Priority = priority
				priority++
			}
			cur.Families = append(cur.Families, fields[2])
			suffix = ""
			if fields[2] == "inet6" {
				suffix = "6"
				cur.Method6 = fields[3]
			} else {
				cur.Method = fields[3]
			}
			continue
		case cur == nil || fields[0] == "source" || fields[0] == "source-directory" || fields[0] == "mapping":
			cur = nil
			cfg.Lines = append(cfg.Lines, netLine{priority: priority, text: line})
			priority++
			continue
		}
		key, value := fields[0], strings.Join(fields[1:], " ")
		if alt, ok := ifaceOptionNames[key]; ok {
			key = alt
		}
		switch key {
		case "address", "netmask", "gateway":
			cur.set(key+suffix, value)
		case "bridge_vlan_aware":
			cur.Options[key] = "1"
		case "bridge_ports", "slaves":
			// "none" stands for no port at all; the ports are kept sorted
			// and once each, and a repeated line adds to the list.
			ports := map[string]bool{}
			for _, p := range fields[1:] {
				if p != "none" {
					ports[p] = true
				}
			}
			list := strings.Join(sortedKeys(ports), " ")
			if old := cur.Options[key]; old != "" && list != "" {
				list = old + " " + list
			} else if old != "" {
				list = old
			}
			cur.Options[key] = list
		default:
			cur.Options[key] = value
		}
	}
	lo := get("lo")
	lo.Priority, lo.Autostart = 1, true
	for _, nic := range nodeNICs {
		get(nic).Exists = true
	}
	for _, d := range cfg.Ifaces {
		d.finish()
	}
	return cfg
}

// hasOption tells whether the file set the option, even to nothing (a
// bridge's "bridge-ports none").
func (d *netIface) hasOption(key string) bool {
	_, ok := d.Options[key]
	return ok
}

func (d *netIface) set(key, value string) {
	switch key {
	case "address":
		d.Address = value
	case "netmask":
		d.Netmask = value
	case "gateway":
		d.Gateway = value
	case "address6":
		d.Address6 = value
	case "netmask6":
		d.Netmask6 = value
	case "gateway6":
		d.Gateway6 = value
	}
}

// finish gives an interface its type and defaults, as the end of
// __read_etc_network_interfaces does.
func (d *netIface) finish() {
	if len(d.Families) == 0 {
		d.Families = []string{"inet"}
	}
	if d.Method == "" {
		d.Method = "manual"
	}
	if d.Method6 == "" {
		d.Method6 = "manual"
	}
	switch {
	case d.Name == "lo":
		d.Type, d.Method = "loopback", "loopback"
	case d.hasOption("bridge_ports") || d.Type == "bridge":
		d.Type = "bridge"
		if d.Options["bridge_stp"] == "" {
			d.Options["bridge_stp"] = "off"
		}
		if d.Options["bridge_fd"] == "" && d.Options["bridge_stp"] == "off" {
			d.Options["bridge_fd"] = "0"
		}
	case d.Options["slaves"] != "" || bondNameRe.MatchString(d.Name):
		d.Type = "bond"
	case vlanDotRe.MatchString(d.Name) || vlanNameRe.MatchString(d.Name):
		d.Type = "vlan"
	case physicalNICRe.MatchString(d.Name):
		d.Type = "eth"
	case d.Type == "":
		d.Type = "unknown"
	}
	d.Address, d.Netmask = splitCIDR(d.Address, d.Netmask)
	d.Address6, d.Netmask6 = splitCIDR(d.Address6, d.Netmask6)
}

// splitCIDR turns "10.0.0.1/24" into address and mask bits; a dotted netmask
// becomes its bit count.
func splitCIDR(addr, mask string) (string, string) {
	if base, bits, ok := strings.Cut(addr, "/"); ok {
		return base, bits
	}
	if strings.Contains(mask, ".") {
		if m, err := netip.ParseAddr(mask); err == nil {
			ones := 0
			for _, b := range m.AsSlice() {
				for ; b != 0; b <<= 1 {
					ones += int(b >> 7)
				}
			}
			return addr, strconv.Itoa(ones)
		}
	}
	return addr, mask
}

// apiValue is an interface as the API answers it (GET /network and
// /network/{iface}): strings as read, 1 for the flags, families as a list.
func (d *netIface) apiValue() map[string]any {
	out := map[string]any{
		"iface": d.Name, "type": d.Type, "method": d.Method, "method6": d.Method6,
		"families": d.Families, "priority": d.Priority,
	}
	for k, v := range d.Options {
		if k == "bridge_vlan_aware" {
			out[k] = 1
			continue
		}
		out[k] = v
	}
	flag := func(name string, on bool) {
		if on {
			out[name] = 1
		}
	}
	flag("autostart", d.Autostart)
	flag("exists", d.Exists)
	flag("active", d.Active)
	str := func(name, v string) {
		if v != "" {
			out[name] = v
		}
	}
	str("address", d.Address)
	str("netmask", d.Netmask)
	str("gateway", d.Gateway)
	str("address6", d.Address6)
	str("netmask6", d.Netmask6)
	str("gateway6", d.Gateway6)
	str("comments", d.Comments)
	str("comments6", d.Comments6)
	if d.Address != "" && d.Netmask != "" {
		out["cidr"] = d.Address + "/" + d.Netmask
	}
	if d.Address6 != "" && d.Netmask6 != "" {
		out["cidr6"] = d.Address6 + "/" + d.Netmask6
	}
	return out
}

// ports lists the interfaces an interface uses (bridge ports, bond slaves).
func (d *netIface) ports() []string {
	var out []string
	for _, k := range []string{"bridge_ports", "ovs_ports", "slaves", "ovs_bonds"} {
		out = append(out, splitList(d.Options[k])...)
	}
	return out
}
