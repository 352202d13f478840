package pvesim

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
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
		d.finish(cfg)
	}
	return cfg
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
func (d *netIface) finish(cfg *netConfig) {
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
	case d.Options["bridge_ports"] != "" || d.Type == "bridge":
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

// typePriority orders the stanzas as __write_etc_network_interfaces does.
var typePriority = map[string]int{
	"loopback": 100000, "dummy": 100000, "eth": 200000, "OVSPort": 200000, "OVSIntPort": 300000,
	"OVSBond": 400000, "bond": 400000, "bridge": 500000, "OVSBridge": 500000, "vlan": 600000, "vxlan": 600000,
}

// String writes the file as __write_etc_network_interfaces does: the
// "autogenerated" header, interfaces by type and priority, options in PVE's
// order, and the other lines where they stood.
func (cfg *netConfig) String() string {
	var b strings.Builder
	b.WriteString("# network interface settings; autogenerated\n# Please do NOT modify this file directly, unless you know what\n" +
		"# you're doing.\n#\n# If you want to manage parts of the network configuration manually,\n" +
		"# please utilize the 'source' or 'source-directory' directives to do\n# so.\n" +
		"# PVE will preserve these directives, but will NOT read its network\n" +
		"# configuration from sourced files, so do not attempt to move any of\n# the PVE managed interfaces into external files!\n\n")
	names := make([]string, 0, len(cfg.Ifaces))
	for name := range cfg.Ifaces {
		names = append(names, name)
	}
	rank := func(name string) int {
		d := cfg.Ifaces[name]
		root, rest, _ := strings.Cut(name, ".")
		tp, ok := typePriority[cfg.typeOf(root)]
		if !ok {
			tp = 0
		} else if rest != "" {
			tp++
		}
		p := d.Priority
		if p == 0 {
			p = 50000
		}
		return tp + p
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	lines := append([]netLine(nil), cfg.Lines...)
	for _, name := range names {
		d := cfg.Ifaces[name]
		if len(lines) > 0 && lines[0].priority < d.Priority {
			for len(lines) > 0 && lines[0].priority < d.Priority {
				b.WriteString(lines[0].text + "\n")
				lines = lines[1:]
			}
			b.WriteString("\n")
		}
		if d.Autostart {
			b.WriteString("auto " + name + "\n")
		}
		for i, family := range d.Families {
			b.WriteString(d.stanza(family, i == 0))
		}
	}
	for _, l := range lines {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

func (cfg *netConfig) typeOf(name string) string {
	if d := cfg.Ifaces[name]; d != nil {
		return d.Type
	}
	return ""
}

// stanza is __interface_to_string for one family.
func (d *netIface) stanza(family string, first bool) string {
	method, addr, mask, gw, comments := d.Method, d.Address, d.Netmask, d.Gateway, d.Comments
	if family == "inet6" {
		method, addr, mask, gw, comments = d.Method6, d.Address6, d.Netmask6, d.Gateway6, d.Comments6
	}
	var b strings.Builder
	fmt.Fprintf(&b, "iface %s %s %s\n", d.Name, family, method)
	if addr != "" {
		if mask != "" {
			addr += "/" + mask
		}
		b.WriteString("\taddress " + addr + "\n")
	}
	if gw != "" {
		b.WriteString("\tgateway " + gw + "\n")
	}
	done := map[string]bool{}
	if first {
		switch d.Type {
		case "bridge":
			ports := d.Options["bridge_ports"]
			if ports == "" {
				ports = "none"
			}
			b.WriteString("\tbridge-ports " + strings.Join(splitList(ports), " ") + "\n")
			stp := d.Options["bridge_stp"]
			if stp == "" {
				stp = "off"
			}
			b.WriteString("\tbridge-stp " + stp + "\n")
			if fd := d.Options["bridge_fd"]; fd != "" {
				b.WriteString("\tbridge-fd " + fd + "\n")
			} else if stp == "off" {
				b.WriteString("\tbridge-fd 0\n")
			}
			if d.Options["bridge_vlan_aware"] != "" {
				vids := d.Options["bridge_vids"]
				if vids == "" {
					vids = "2-4094"
				}
				b.WriteString("\tbridge-vlan-aware yes\n\tbridge-vids " + vids + "\n")
			}
			for _, k := range []string{"bridge_ports", "bridge_stp", "bridge_fd", "bridge_vlan_aware", "bridge_vids"} {
				done[k] = true
			}
		case "bond":
			slaves := strings.Join(splitList(d.Options["slaves"]), " ")
			if slaves == "" {
				slaves = "none"
			}
			b.WriteString("\tbond-slaves " + slaves + "\n")
			b.WriteString("\tbond-miimon " + orDefault(d.Options["bond_miimon"], "100") + "\n")
			mode := orDefault(d.Options["bond_mode"], "balance-rr")
			b.WriteString("\tbond-mode " + mode + "\n")
			if policy := d.Options["bond_xmit_hash_policy"]; policy != "" && (mode == "balance-xor" || mode == "802.3ad") {
				b.WriteString("\tbond-xmit-hash-policy " + policy + "\n")
			}
			if primary := d.Options["bond-primary"]; primary != "" && mode == "active-backup" {
				b.WriteString("\tbond-primary " + primary + "\n")
			}
			for _, k := range []string{"slaves", "bond_miimon", "bond_mode", "bond_xmit_hash_policy", "bond-primary"} {
				done[k] = true
			}
		}
		if mtu := d.Options["mtu"]; mtu != "" && (d.Type == "bridge" || d.Type == "bond") {
			b.WriteString("\tmtu " + mtu + "\n")
			done["mtu"] = true
		}
		for _, k := range sortedKeys(d.Options) {
			if !done[k] && d.Options[k] != "" && d.Options[k] != "0" {
				b.WriteString("\t" + k + " " + d.Options[k] + "\n")
			}
		}
	}
	for _, c := range strings.Split(strings.TrimSuffix(comments, "\n"), "\n") {
		if c != "" {
			b.WriteString("#" + c + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
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

// check is the validation __write_etc_network_interfaces does before it
// writes (its die messages): ports used twice, missing bridge ports and bond
// slaves, addresses on bridged interfaces, VLANs without a parent.
func (cfg *netConfig) check() error {
	used := map[string]string{}
	for _, name := range sortedKeys(cfg.Ifaces) {
		for _, p := range cfg.Ifaces[name].ports() {
			if other, ok := used[p]; ok && other != name {
				return fmt.Errorf("port '%s' is already used on interface '%s'", p, other)
			}
			used[p] = name
		}
	}
	for _, name := range sortedKeys(cfg.Ifaces) {
		d := cfg.Ifaces[name]
		switch d.Type {
		case "bond":
			for _, p := range splitList(d.Options["slaves"]) {
				n := cfg.Ifaces[p]
				if n == nil {
					return fmt.Errorf("bond '%s' - unable to find slave '%s'", name, p)
				}
				if n.Type != "eth" && n.Type != "bond" {
					return fmt.Errorf("bond '%s' - wrong interface type on slave '%s' ('%s' != 'eth or bond')", name, p, n.Type)
				}
			}
		case "vlan":
			parent := strings.SplitN(name, ".", 2)[0]
			if !vlanDotRe.MatchString(name) {
				parent = d.Options["vlan-raw-device"]
				if parent == "" {
					return fmt.Errorf("missing vlan-raw-device option")
				}
			}
			if cfg.Ifaces[parent] == nil {
				return fmt.Errorf("vlan '%s' - unable to find parent '%s'", name, parent)
			}
		case "bridge":
			for _, p := range splitList(d.Options["bridge_ports"]) {
				n := cfg.Ifaces[p]
				if n == nil && vlanDotRe.MatchString(p) {
					continue
				}
				if n == nil {
					return fmt.Errorf("bridge '%s' - unable to find bridge port '%s'", name, p)
				}
				if (n.Method == "static" && n.Address != "0.0.0.0") || (n.Method6 == "static" && n.Address6 != "::") {
					return fmt.Errorf("iface %s - ip address can't be set on interface if bridged in %s", p, name)
				}
			}
		}
	}
	return nil
}
