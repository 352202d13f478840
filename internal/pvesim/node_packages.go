package pvesim

import (
	"fmt"
	"slices"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// The few Debian packages an admin installs on a PVE node that the
// simulator models: dnsmasq, which PVE's SDN DHCP needs and a PVE
// installation does not ship (pve-network's Dhcp/Dnsmasq.pm
// assert_dnsmasq_installed looks for its binary and its systemd unit; the
// PVE admin guide's SDN DHCP section says `apt install dnsmasq`, then
// `systemctl disable --now dnsmasq`, since SDN runs its own instances).
const (
	dnsmasqBinary  = "/usr/sbin/dnsmasq"
	dnsmasqService = "/lib/systemd/system/dnsmasq.service"
)

// nodeHasDnsmasq is assert_dnsmasq_installed's test.
func nodeHasDnsmasq(n *node) bool {
	for _, p := range []string{dnsmasqBinary, dnsmasqService} {
		if _, err := n.FS.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// nodeAptProgram is apt and apt-get on a node, for the packages modelled:
// install writes their files; any other package is one apt cannot find
// here (the simulator has no archive for the node).
func nodeAptProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		args := slices.DeleteFunc(slices.Clone(c.Args[1:]), func(a string) bool { return a == "-y" || a == "--yes" || a == "-q" })
		if len(args) == 0 || args[0] != "install" {
			fmt.Fprintln(c.Stderr, "E: the simulated node supports only: apt install dnsmasq")
			return 100
		}
		for _, pkg := range args[1:] {
			if pkg != "dnsmasq" {
				fmt.Fprintf(c.Stderr, "E: Unable to locate package %s\n", pkg)
				return 100
			}
		}
		if nodeHasDnsmasq(n) {
			fmt.Fprintln(c.Stdout, "dnsmasq is already the newest version.")
			return 0
		}
		_ = n.FS.MkdirAll("/lib/systemd/system", 0o755)
		_ = n.FS.MkdirAll("/usr/sbin", 0o755)
		_ = n.FS.WriteFile(dnsmasqBinary, []byte("#!/bin/true\n"), 0o755)
		_ = n.FS.WriteFile(dnsmasqService, []byte("[Unit]\nDescription=dnsmasq - A lightweight DHCP and caching DNS server\n"), 0o644)
		fmt.Fprintln(c.Stdout, "Setting up dnsmasq ...")
		return 0
	}
}

// nodeSystemctlProgram accepts enable, disable (with --now), start, stop
// and status of a unit whose file exists, and refuses any other unit.
func nodeSystemctlProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		args := slices.DeleteFunc(slices.Clone(c.Args[1:]), func(a string) bool { return a == "--now" || a == "-q" })
		if len(args) != 2 {
			fmt.Fprintln(c.Stderr, "usage: systemctl enable|disable|start|stop|status UNIT")
			return 1
		}
		unit := args[1]
		if unit != "dnsmasq" && unit != "dnsmasq.service" || !nodeHasDnsmasq(n) {
			fmt.Fprintf(c.Stderr, "Failed to %s unit: Unit file %s.service does not exist.\n", args[0], unit)
			return 1
		}
		return 0
	}
}
