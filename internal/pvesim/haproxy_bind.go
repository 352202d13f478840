package pvesim

import (
	"fmt"
	"net/netip"
	"strings"
)

// haproxyBindFailure is what a starting haproxy says when one of its
// listeners cannot be bound (protocol_bind_all, src/protocol.c, with
// sock_inet_bind_receiver's "cannot bind socket" and musl's strerror, as
// Alpine builds it): a port a compose service of the guest publishes is
// taken (docker's proxy holds it), and an address that is not the
// guest's is not available. The second line is haproxy.c's exit after a
// failed bind. ok is true when every listener binds. Two frontends of the
// configuration on one port both bind (haproxy sets SO_REUSEPORT).
func (s *Simulator) haproxyBindFailure(g *guest, cfg *haproxyConfig) (alerts []string, ok bool) {
	s.mu.Lock()
	own := g.IP
	s.mu.Unlock()
	return haproxyBindCheck(cfg, own, composePorts(g))
}

// composePorts are the TCP ports the running compose services of a guest
// publish while dockerd runs (what appListeners serves, read without the
// simulator's lock, which a boot holds).
func composePorts(g *guest) map[int]bool {
	taken := map[int]bool{}
	if !dockerdRunning(g) {
		return taken
	}
	for _, p := range loadProjects(g) {
		for _, svc := range p.Services {
			for _, port := range svc.Ports {
				if svc.State == "running" && (port.Protocol == "" || port.Protocol == "tcp") {
					taken[port.Published] = true
				}
			}
		}
	}
	return taken
}

func haproxyBindCheck(cfg *haproxyConfig, own string, taken map[int]bool) (alerts []string, ok bool) {
	for _, p := range cfg.Proxies {
		if !p.frontend() {
			continue
		}
		for _, b := range p.Binds {
			host := b.Addr
			if host == "" || host == "*" {
				host = "0.0.0.0"
			}
			var reason string
			switch {
			case !haproxyLocalAddr(host, own):
				reason = "Address not available"
			case taken[b.Port]:
				reason = "Address in use"
			default:
				continue
			}
			alerts = append(alerts, fmt.Sprintf("Binding [%s:%d] for %s %s: protocol tcpv4: cannot bind socket (%s) for [%s:%d].",
				haproxyConfFile, b.Line, p.Kind, p.Name, reason, host, b.Port))
		}
	}
	if len(alerts) > 0 {
		alerts = append(alerts, "["+haproxyBinary+".main()] Some protocols failed to start their listeners! Exiting.")
	}
	return alerts, len(alerts) == 0
}

// haproxyLocalAddr: an address the guest may bind, its own or a wildcard
// or loopback one.
func haproxyLocalAddr(host, own string) bool {
	switch host {
	case "0.0.0.0", "::", "127.0.0.1", "localhost":
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	p, err := netip.ParsePrefix(own)
	if err == nil && p.Addr() == a {
		return true
	}
	return strings.HasPrefix(host, "127.")
}
