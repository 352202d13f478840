package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// The gateway's proxy is HAProxy from Alpine's main repository (DESIGN.md
// says why). Its whole configuration is rendered from the routes, so two
// runs that see the same cluster write the same bytes, and a sync whose
// rendering equals the file on the gateway writes nothing.
const (
	GatewayConfigPath = "/etc/haproxy/haproxy.cfg"
	// gatewayHealthPort answers the gateway's own health check; it is
	// below the port ranges an allocation may take (1024 and up).
	gatewayHealthPort       = "80"
	gatewayHealthPortNumber = 80
	gatewayHealthPath       = "/proximity-gateway"
)

// gatewayPreamble is what every configuration starts with: HTTP mode with
// bounded timeouts (haproxy warns without them and would hold dead
// connections for ever), and the client's address for the apps' logs.
const gatewayPreamble = `# Proximity gateway. terraform-provider-proximity writes this file from the
# cluster's applications on every change of one; edits here are replaced.
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    option forwardfor

frontend gateway-health
    bind :` + gatewayHealthPort + `
    monitor-uri ` + gatewayHealthPath + `
`

// RenderGatewayConfig is the gateway's configuration for these routes.
// Each app gets a public frontend, an embed frontend that removes the
// response headers that forbid framing (X-Frame-Options, and the
// frame-ancestors directive of Content-Security-Policy, keeping the rest of
// that policy), and one backend both use.
func RenderGatewayConfig(routes []Route) []byte {
	var b bytes.Buffer
	b.WriteString(gatewayPreamble)
	for _, r := range routes {
		backend := "ct-" + strconv.Itoa(r.VMID)
		fmt.Fprintf(&b, "\n# %s (%s), CT %d\n", r.Hostname, r.CatalogID, r.VMID)
		fmt.Fprintf(&b, "frontend public-%d\n    bind :%d\n    default_backend %s\n\n", r.PublicPort, r.PublicPort, backend)
		fmt.Fprintf(&b, "frontend embed-%d\n    bind :%d\n", r.InternalPort, r.InternalPort)
		b.WriteString("    http-response del-header X-Frame-Options\n")
		b.WriteString("    http-response replace-header Content-Security-Policy ^(.*)frame-ancestors[^;]*;?(.*)$ \\1\\2\n")
		fmt.Fprintf(&b, "    default_backend %s\n\n", backend)
		fmt.Fprintf(&b, "backend %s\n    server app %s\n", backend, r.Backend)
	}
	return b.Bytes()
}

// ParseGatewayRoutes reads back the routes a configuration serves: a
// public-<port> frontend and an embed-<port> frontend that use one backend
// ct-<vmid> with one server. A configuration edited by hand reads as what
// it still serves of that shape; anything else in it is not a route.
func ParseGatewayRoutes(config []byte) []Route {
	type frontend struct {
		port    int
		backend string
	}
	var public, embed []frontend
	servers := map[string]string{}
	var section, name string
	sc := bufio.NewScanner(bytes.NewReader(config))
	for sc.Scan() {
		fields := strings.Fields(strings.SplitN(sc.Text(), "#", 2)[0])
		if len(fields) == 0 {
			continue
		}
		switch {
		case fields[0] == "frontend" || fields[0] == "backend" || fields[0] == "global" || fields[0] == "defaults" || fields[0] == "listen":
			section, name = fields[0], ""
			if len(fields) > 1 {
				name = fields[1]
			}
		case section == "frontend" && fields[0] == "default_backend" && len(fields) == 2:
			if port, ok := portAfter(name, "public-"); ok {
				public = append(public, frontend{port, fields[1]})
			} else if port, ok := portAfter(name, "embed-"); ok {
				embed = append(embed, frontend{port, fields[1]})
			}
		case section == "backend" && fields[0] == "server" && len(fields) >= 3:
			if _, taken := servers[name]; !taken {
				servers[name] = fields[2]
			}
		}
	}
	var routes []Route
	for _, p := range public {
		vmid, ok := portAfter(p.backend, "ct-")
		server := servers[p.backend]
		if !ok || server == "" || !validHostPort(server) {
			continue
		}
		for _, e := range embed {
			if e.backend == p.backend {
				routes = append(routes, Route{PublicPort: p.port, InternalPort: e.port, VMID: vmid, Backend: server})
				break
			}
		}
	}
	return routes
}

func portAfter(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	return err == nil && port != ""
}
