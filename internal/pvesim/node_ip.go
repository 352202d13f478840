package pvesim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// nodeLink is one network device of a node as iproute2 shows it: what the
// applied /etc/network/interfaces brought up, and a veth for each network
// device of a running container (veth<vmid>i<N>, a port of its bridge).
type nodeLink struct {
	index  int
	name   string
	flags  []string
	mtu    int
	master string
	state  string
	mac    string
	kind   string // loopback | ether
	addrs  []string
}

// nodeLinks lists a node's devices in ifindex order. Called without s.mu.
func (s *Simulator) nodeLinks(n *node) []*nodeLink {
	s.ensureInterfaces(n)
	applied, _ := n.FS.ReadFile(interfacesPath)
	cfg := parseInterfaces(string(applied))
	links := []*nodeLink{{name: "lo", flags: []string{"LOOPBACK", "UP", "LOWER_UP"}, mtu: 65536, state: "UNKNOWN",
		mac: "00:00:00:00:00:00", kind: "loopback", addrs: []string{"127.0.0.1/8"}}}
	masters := map[string]string{}
	for name, d := range cfg.Ifaces {
		for _, p := range d.ports() {
			masters[p] = name
		}
	}
	up := func(name string) bool { return cfg.isActive(name) }
	add := func(d *netIface) {
		l := &nodeLink{name: d.Name, mtu: 1500, master: masters[d.Name], kind: "ether", mac: nodeMAC(n.Name, d.Name)}
		if mtu, err := strconv.Atoi(d.Options["mtu"]); err == nil {
			l.mtu = mtu
		}
		if up(d.Name) {
			l.flags, l.state = []string{"BROADCAST", "MULTICAST", "UP", "LOWER_UP"}, "UP"
		} else {
			l.flags, l.state = []string{"BROADCAST", "MULTICAST"}, "DOWN"
		}
		if d.Address != "" && up(d.Name) {
			l.addrs = append(l.addrs, d.Address+"/"+orDefault(d.Netmask, "32"))
		}
		links = append(links, l)
	}
	// Physical NICs first, then bonds, bridges and VLANs, as the kernel
	// numbers them when ifupdown2 brings them up.
	for _, typ := range []string{"eth", "bond", "bridge", "vlan"} {
		for _, name := range sortedKeys(cfg.Ifaces) {
			if d := cfg.Ifaces[name]; d.Type == typ && (typ != "eth" || d.Exists) {
				add(d)
			}
		}
	}
	s.mu.Lock()
	var vmids []int
	for _, g := range s.guests {
		if g.Node == n.Name && g.Running {
			vmids = append(vmids, g.VMID)
		}
	}
	sort.Ints(vmids)
	for _, vmid := range vmids {
		g := s.guests[vmid]
		for i := 0; i < 32; i++ {
			raw, ok := g.Config["net"+strconv.Itoa(i)]
			if !ok {
				continue
			}
			links = append(links, &nodeLink{name: fmt.Sprintf("veth%di%d", vmid, i), flags: []string{"BROADCAST", "MULTICAST", "UP", "LOWER_UP"},
				mtu: 1500, master: propertyValue(raw, "bridge"), state: "UP", kind: "ether", mac: nodeMAC(n.Name, fmt.Sprintf("veth%di%d", vmid, i))})
		}
	}
	s.mu.Unlock()
	for i, l := range links {
		l.index = i + 1
	}
	return links
}

// nodeMAC is a stable locally administered MAC for a node's device.
func nodeMAC(node, dev string) string {
	sum := sha256.Sum256([]byte(node + "/" + dev))
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", sum[0]&0xfe|0x02, sum[1], sum[2], sum[3], sum[4], sum[5])
}

// nodeIPProgram is iproute2's ip on the node: addr, link and route, with
// -4, -br, -j and -o, and "Device ... does not exist." for a missing device.
func (s *Simulator) nodeIPProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		var words []string
		only4, brief, jsonOut, oneLine := false, false, false, false
		for _, a := range c.Args[1:] {
			switch a {
			case "-4":
				only4 = true
			case "-6":
			case "-br", "-brief", "--brief":
				brief = true
			case "-j", "-json", "--json":
				jsonOut = true
			case "-o", "-oneline":
				oneLine = true
			case "-p", "-pretty", "-c", "-color":
			default:
				words = append(words, a)
			}
		}
		if len(words) == 0 {
			fmt.Fprintln(c.Stderr, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }")
			return 255
		}
		object := words[0]
		dev := ""
		for i := 1; i < len(words); i++ {
			switch words[i] {
			case "show", "list", "ls":
			case "dev":
				if i+1 < len(words) {
					dev = words[i+1]
					i++
				}
			default:
				dev = words[i]
			}
		}
		links := s.nodeLinks(n)
		if dev != "" {
			var picked []*nodeLink
			for _, l := range links {
				if l.name == dev {
					picked = append(picked, l)
				}
			}
			if len(picked) == 0 {
				fmt.Fprintf(c.Stderr, "Device \"%s\" does not exist.\n", dev)
				return 1
			}
			links = picked
		}
		switch {
		case strings.HasPrefix("address", object) || object == "a":
			return printLinks(c, links, true, only4, brief, jsonOut, oneLine)
		case strings.HasPrefix("link", object):
			return printLinks(c, links, false, only4, brief, jsonOut, oneLine)
		case strings.HasPrefix("route", object):
			return s.printRoutes(c, n, jsonOut)
		}
		fmt.Fprintf(c.Stderr, "Object \"%s\" is unknown, try \"ip help\".\n", object)
		return 1
	}
}

type ipAddrInfo struct {
	Family    string `json:"family"`
	Local     string `json:"local"`
	PrefixLen int    `json:"prefixlen"`
	Scope     string `json:"scope"`
	Label     string `json:"label,omitempty"`
	Valid     uint64 `json:"valid_life_time"`
	Preferred uint64 `json:"preferred_life_time"`
}

type ipLinkJSON struct {
	IfIndex   int          `json:"ifindex"`
	IfName    string       `json:"ifname"`
	Flags     []string     `json:"flags"`
	MTU       int          `json:"mtu"`
	Qdisc     string       `json:"qdisc"`
	Master    string       `json:"master,omitempty"`
	OperState string       `json:"operstate"`
	Group     string       `json:"group"`
	TxQLen    int          `json:"txqlen"`
	LinkType  string       `json:"link_type"`
	Address   string       `json:"address"`
	Broadcast string       `json:"broadcast"`
	AddrInfo  []ipAddrInfo `json:"addr_info,omitempty"`
}

func printLinks(c *shell.Call, links []*nodeLink, withAddrs, only4, brief, jsonOut, oneLine bool) int {
	if jsonOut {
		out := make([]ipLinkJSON, 0, len(links))
		for _, l := range links {
			if only4 && withAddrs && len(l.addrs) == 0 {
				continue
			}
			j := ipLinkJSON{IfIndex: l.index, IfName: l.name, Flags: l.flags, MTU: l.mtu, Qdisc: qdiscOf(l), Master: l.master,
				OperState: l.state, Group: "default", TxQLen: 1000, LinkType: l.kind, Address: l.mac, Broadcast: "ff:ff:ff:ff:ff:ff"}
			if l.kind == "loopback" {
				j.Broadcast = "00:00:00:00:00:00"
			}
			if withAddrs {
				j.AddrInfo = []ipAddrInfo{}
				for _, a := range l.addrs {
					p, _ := netip.ParsePrefix(a)
					scope := "global"
					if l.kind == "loopback" {
						scope = "host"
					}
					j.AddrInfo = append(j.AddrInfo, ipAddrInfo{Family: "inet", Local: p.Addr().String(), PrefixLen: p.Bits(), Scope: scope,
						Label: l.name, Valid: 4294967295, Preferred: 4294967295})
				}
			}
			out = append(out, j)
		}
		data, _ := json.Marshal(out)
		fmt.Fprintln(c.Stdout, string(data))
		return 0
	}
	for _, l := range links {
		name := l.name
		if strings.HasPrefix(name, "veth") {
			name += "@if2"
		}
		if brief {
			if withAddrs {
				if only4 && len(l.addrs) == 0 {
					continue
				}
				fmt.Fprintf(c.Stdout, "%-16s %-14s %s \n", name, l.state, strings.Join(l.addrs, " "))
			} else {
				fmt.Fprintf(c.Stdout, "%-16s %-14s %s <%s> \n", name, l.state, l.mac, strings.Join(l.flags, ","))
			}
			continue
		}
		if only4 && withAddrs {
			for _, a := range l.addrs {
				scope := "global"
				if l.kind == "loopback" {
					scope = "host"
				}
				if oneLine {
					fmt.Fprintf(c.Stdout, "%d: %s    inet %s scope %s %s\\       valid_lft forever preferred_lft forever\n", l.index, l.name, a, scope, l.name)
					continue
				}
				fmt.Fprintf(c.Stdout, "%d: %s: <%s> mtu %d %s state %s group default qlen 1000\n", l.index, name, strings.Join(l.flags, ","), l.mtu, qdiscPart(l),
					l.state)
				fmt.Fprintf(c.Stdout, "    inet %s scope %s %s\n       valid_lft forever preferred_lft forever\n", a, scope, l.name)
			}
			continue
		}
		mode := "mode DEFAULT "
		if withAddrs {
			mode = ""
		}
		fmt.Fprintf(c.Stdout, "%d: %s: <%s> mtu %d %s state %s %sgroup default qlen 1000\n", l.index, name, strings.Join(l.flags, ","), l.mtu, qdiscPart(l),
			l.state, mode)
		if l.kind == "loopback" {
			fmt.Fprintf(c.Stdout, "    link/loopback %s brd 00:00:00:00:00:00\n", l.mac)
		} else {
			fmt.Fprintf(c.Stdout, "    link/ether %s brd ff:ff:ff:ff:ff:ff\n", l.mac)
		}
		if withAddrs {
			for _, a := range l.addrs {
				scope := "global"
				if l.kind == "loopback" {
					scope = "host"
				}
				fmt.Fprintf(c.Stdout, "    inet %s scope %s %s\n       valid_lft forever preferred_lft forever\n", a, scope, l.name)
			}
		}
	}
	return 0
}

func qdiscOf(l *nodeLink) string {
	if l.kind == "loopback" || strings.HasPrefix(l.name, "vmbr") || strings.HasPrefix(l.name, "veth") {
		return "noqueue"
	}
	return "pfifo_fast"
}

func qdiscPart(l *nodeLink) string {
	part := "qdisc " + qdiscOf(l)
	if l.master != "" {
		part += " master " + l.master
	}
	return part
}

// printRoutes is `ip route`: the default route through the gateway of the
// applied configuration and a link route for each configured network.
func (s *Simulator) printRoutes(c *shell.Call, n *node, jsonOut bool) int {
	applied, _ := n.FS.ReadFile(interfacesPath)
	cfg := parseInterfaces(string(applied))
	type route struct {
		Dst      string `json:"dst"`
		Gateway  string `json:"gateway,omitempty"`
		Dev      string `json:"dev"`
		Protocol string `json:"protocol,omitempty"`
		Scope    string `json:"scope,omitempty"`
		PrefSrc  string `json:"prefsrc,omitempty"`
		Flags    []any  `json:"flags"`
	}
	var routes []route
	for _, name := range sortedKeys(cfg.Ifaces) {
		if d := cfg.Ifaces[name]; d.Gateway != "" && cfg.isActive(name) {
			routes = append(routes, route{Dst: "default", Gateway: d.Gateway, Dev: name, Protocol: "kernel", Flags: []any{"onlink"}})
		}
	}
	for _, name := range sortedKeys(cfg.Ifaces) {
		d := cfg.Ifaces[name]
		if d.Address == "" || name == "lo" || !cfg.isActive(name) {
			continue
		}
		p, err := netip.ParsePrefix(d.Address + "/" + orDefault(d.Netmask, "32"))
		if err != nil {
			continue
		}
		routes = append(routes, route{Dst: p.Masked().String(), Dev: name, Protocol: "kernel", Scope: "link", PrefSrc: d.Address, Flags: []any{}})
	}
	if jsonOut {
		if routes == nil {
			routes = []route{}
		}
		data, _ := json.Marshal(routes)
		fmt.Fprintln(c.Stdout, string(data))
		return 0
	}
	for _, r := range routes {
		if r.Dst == "default" {
			fmt.Fprintf(c.Stdout, "default via %s dev %s proto kernel onlink \n", r.Gateway, r.Dev)
			continue
		}
		fmt.Fprintf(c.Stdout, "%s dev %s proto kernel scope link src %s \n", r.Dst, r.Dev, r.PrefSrc)
	}
	return 0
}

// nodeHostnameProgram is hostname: the node's name, or with -I (and -i,
// which resolves the name to the address PVE's /etc/hosts gives it) the
// addresses of its configured interfaces, lo aside, followed by a space as
// net-tools prints them.
func (s *Simulator) nodeHostnameProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 2 || c.Args[1] == "-s" || c.Args[1] == "--short" {
			fmt.Fprintln(c.Stdout, n.Name)
			return 0
		}
		switch c.Args[1] {
		case "-I", "--all-ip-addresses", "-i", "--ip-address":
			var addrs []string
			for _, l := range s.nodeLinks(n) {
				if l.kind == "loopback" {
					continue
				}
				for _, a := range l.addrs {
					addrs = append(addrs, strings.Split(a, "/")[0])
				}
			}
			if c.Args[1] == "-i" || c.Args[1] == "--ip-address" {
				addrs = []string{n.IP}
			}
			fmt.Fprintln(c.Stdout, strings.Join(addrs, " ")+" ")
			return 0
		}
		if strings.HasPrefix(c.Args[1], "-") {
			fmt.Fprintf(c.Stderr, "hostname: invalid option -- '%s'\n", strings.TrimLeft(c.Args[1], "-"))
			return 1
		}
		// Setting the kernel's host name changes nothing PVE reads (it
		// takes the node name from /etc/hostname at boot), so it is kept
		// as a no-op.
		return 0
	}
}
