package pvesim

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// containerEnv is the shell world inside a guest: its own file tree, the
// package and service managers of the distribution its /etc/os-release
// names, and docker once installed.
func (s *Simulator) containerEnv(g *guest) *shell.Env {
	// The config map changes under s.mu; programs get copies of what they need.
	s.mu.Lock()
	hostname := g.Config["hostname"]
	if g.Running && g.UTSName != "" {
		hostname = g.UTSName // the running system's, see ct_setup.go
	}
	// The tree's budget follows the rootfs size (rootfs_budget.go), resizes included.
	g.RootFS.SetCapacity(g.rootFSCapacity())
	s.mu.Unlock()
	d := distroOf(g.RootFS)
	progs := shell.CoreUtils()
	progs["hostname"] = s.hostnameProgram(g)
	progs["uname"] = unameProgram(hostname, s.rel())
	progs["chpasswd"] = chpasswdProgram
	progs["ip"] = s.ipProgram(g)
	progs["docker"] = requireBinary(s.dockerProgram(g, d), "/usr/bin/docker")
	progs["docker-compose"] = requireBinary(s.composeStandalone(g, d), "/usr/bin/docker-compose")
	progs["dockerd"] = requireBinary(func(c *shell.Call) int { return c.Errorf("dockerd must be started by the service manager") }, "/usr/bin/dockerd",
		"/usr/sbin/dockerd")
	switch {
	case d.apk():
		progs["apk"] = s.apkProgram(g, d)
		progs["wget"] = s.wgetProgram(g) // busybox's applet (wget_busybox.go)
		progs["rc-update"] = rcUpdateProgram(g)
		progs["rc-service"] = s.rcServiceProgram(g)
		progs["service"] = s.rcServiceProgram(g)
		progs["haproxy"] = requireBinary(s.haproxyProgram(d), haproxyBinary) // haproxy_program.go
	case d.apt():
		progs["apt-get"] = s.aptProgram(g, d)
		progs["wget"] = s.gnuWgetProgram(g) // GNU Wget of the standard templates (wget_gnu.go)
		progs["apt"] = s.aptProgram(g, d)
		progs["systemctl"] = s.systemctlProgram(g)
		progs["service"] = s.sysvServiceProgram(g)
	}
	return &shell.Env{
		FS: g.RootFS, Programs: progs, Home: "/root", Locks: shell.NewLockTable(),
		Vars: []string{"HOSTNAME=" + hostname, "container=lxc", "LANG=C.UTF-8"},
		Sleep: func(ctx context.Context, d time.Duration) error {
			s.stats.countBusy(g.VMID, d)
			return s.clock.sleep(ctx, d)
		},
		OnCommand: func(name string) shell.Program {
			s.stats.countCommand(name)
			if r := s.faults.execFailure(name); r != nil {
				s.stats.countFault()
				msg := r.Message
				if msg == "" {
					msg = "simulated failure (fault injection)"
				}
				return func(c *shell.Call) int { return c.Errorf("%s", msg) }
			}
			return nil
		},
	}
}

// requireBinary makes a program exist only once its package put one of
// its files on disk.
func requireBinary(prog shell.Program, files ...string) shell.Program {
	return func(c *shell.Call) int {
		for _, f := range files {
			if _, err := c.Env.FS.Stat(f); err == nil {
				return prog(c)
			}
		}
		fmt.Fprintf(c.Stderr, "bash: line 1: %s: command not found\n", c.Args[0])
		return 127
	}
}

// unameProgram is coreutils' uname on a node of the release, or in one of
// its containers: a container shares the node's kernel, so both report the
// release's kernel (6.8 on PVE 8.4, 6.17 on 9.1). Fields print in uname's
// fixed order whatever the order of the flags; -a leaves out -p and -i,
// which are "unknown" on Debian.
func unameProgram(hostname string, rel pveRelease) shell.Program {
	fields := []struct {
		flag  byte
		value string
	}{
		{'s', "Linux"}, {'n', hostname}, {'r', rel.kernelRelease}, {'v', rel.kernelVersion},
		{'m', "x86_64"}, {'p', "unknown"}, {'i', "unknown"}, {'o', "GNU/Linux"},
	}
	return func(c *shell.Call) int {
		want := map[byte]bool{}
		for _, arg := range c.Args[1:] {
			if !strings.HasPrefix(arg, "-") || arg == "-" {
				fmt.Fprintf(c.Stderr, "uname: extra operand '%s'\nTry 'uname --help' for more information.\n", arg)
				return 1
			}
			for _, f := range []byte(strings.TrimPrefix(arg, "-")) {
				if f == 'a' {
					for _, k := range []byte("snrvmo") {
						want[k] = true
					}
					continue
				}
				if !strings.ContainsRune("snrvmpio", rune(f)) {
					fmt.Fprintf(c.Stderr, "uname: invalid option -- '%c'\nTry 'uname --help' for more information.\n", f)
					return 1
				}
				want[f] = true
			}
		}
		if len(want) == 0 {
			want['s'] = true
		}
		var out []string
		for _, f := range fields {
			if want[f.flag] {
				out = append(out, f.value)
			}
		}
		fmt.Fprintln(c.Stdout, strings.Join(out, " "))
		return 0
	}
}

// ipProgram answers `ip -4 addr show eth0`, `ip addr`, `ip -o ...` and `ip route`.
func (s *Simulator) ipProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		var words []string
		oneLine, only4 := false, false
		only6 := false // -6: the IPv6 addresses alone (net_ipv6.go)
		for _, a := range c.Args[1:] {
			switch a {
			case "-4":
				only4 = true
			case "-o", "-oneline":
				oneLine = true
			case "-6":
				only6 = true
			case "-br", "-j":
			default:
				words = append(words, a)
			}
		}
		s.mu.Lock()
		addr := g.IP
		hw := strings.ToLower(propertyValue(g.Config["net0"], "hwaddr"))
		ip6, ip6Configured := g.IP6, propertyValue(g.Config["net0"], "ip6")
		s.mu.Unlock()
		if len(words) > 0 && (words[0] == "route" || words[0] == "r") {
			s.printGuestRoutes(c, addr) // guest_network.go
			return 0
		}
		if len(words) == 0 || (words[0] != "addr" && words[0] != "a" && words[0] != "address") {
			fmt.Fprintln(c.Stderr, `Object "`+strings.Join(words, " ")+`" is unknown, try "ip help".`)
			return 1
		}
		dev := ""
		if len(words) >= 3 && (words[1] == "show" || words[1] == "list") {
			dev = words[2]
		}
		if dev != "" && dev != "eth0" && dev != "lo" {
			fmt.Fprintf(c.Stderr, "Device \"%s\" does not exist.\n", dev)
			return 1
		}
		inet := func(a string) string { // net_ipv6.go: -6 prints no IPv4 address
			if only6 {
				return ""
			}
			return a
		}
		if dev == "" || dev == "lo" {
			printIface(c, oneLine, only4 || only6, 1, "lo", "LOOPBACK,UP,LOWER_UP", "00:00:00:00:00:00", inet("127.0.0.1/8"), "host")
			if !only4 {
				printIface6(c, oneLine, 1, "lo", "", "", "00:00:00:00:00:00")
			}
		}
		if dev == "" || dev == "eth0" {
			printIface(c, oneLine, only4 || only6, 2, "eth0@if12", "BROADCAST,MULTICAST,UP,LOWER_UP", hw, inet(addr), "global")
			if !only4 {
				printIface6(c, oneLine, 2, "eth0@if12", ip6, ip6Configured, hw)
			}
		}
		return 0
	}
}

func printIface(c *shell.Call, oneLine, only4 bool, idx int, name, flags, hw, addr, scope string) {
	short, _, _ := strings.Cut(name, "@")
	if oneLine {
		if addr != "" {
			fmt.Fprintf(c.Stdout, "%d: %s    inet %s brd %s scope %s %s\\       valid_lft forever preferred_lft forever\n", idx, short, addr, broadcast(addr),
				scope, short)
		}
		return
	}
	fmt.Fprintf(c.Stdout, "%d: %s: <%s> mtu 1500 qdisc noqueue state UP group default qlen 1000\n", idx, name, flags)
	if !only4 {
		fmt.Fprintf(c.Stdout, "    link/ether %s brd ff:ff:ff:ff:ff:ff link-netnsid 0\n", hw)
	}
	if addr != "" {
		fmt.Fprintf(c.Stdout, "    inet %s brd %s scope %s %s\n       valid_lft forever preferred_lft forever\n", addr, broadcast(addr), scope, short)
	}
}

func broadcast(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return "0.0.0.0"
	}
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff)
}

// runInContainer is pct exec's core: argv in the guest's environment.
func (s *Simulator) runInContainer(ctx context.Context, g *guest, argv []string, c *shell.Call) int {
	env := s.countedContainerEnv(ctx, s.containerEnv(g), g.VMID)
	return env.Run(ctx, shell.QuoteArgs(argv), c.Stdin, c.Stdout, c.Stderr, "/root")
}
