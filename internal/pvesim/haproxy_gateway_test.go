package pvesim

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestHAProxyGatewayForwardsToAnApp: a gateway container whose haproxy
// runs the gateway's configuration serves an app of another container on
// its public port, with the app's page and headers, and on its embed port
// without the frame-blocking headers (X-Frame-Options removed, the
// frame-ancestors directive cut out of Content-Security-Policy, as real
// haproxy 2.6.12 does with the same rules: replace-header replaces the
// whole value with the replacement; the client reads the value without
// its trailing blank). Its health port answers the monitor-uri itself.
func TestHAProxyGatewayForwardsToAnApp(t *testing.T) {
	sim := startSim(t, Options{})
	app := webApp(t, sim, 142, 8080) // guest_network_test.go
	createCT(t, sim, "pve1", 143, map[string][]string{"start": {"1"}})
	config := fmt.Sprintf(`global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    option forwardfor

frontend gateway-health
    bind :80
    monitor-uri /proximity-gateway

frontend public-8100
    bind :8100
    default_backend ct-142

frontend embed-9100
    bind :9100
    http-response del-header X-Frame-Options
    http-response replace-header Content-Security-Policy ^(.*)frame-ancestors[^;]*;?(.*)$ \1\2
    default_backend ct-142

backend ct-142
    server app %s
`, netip.AddrPortFrom(app, 8080))
	script := "apk add --no-cache haproxy && rc-update add haproxy default && cat > /etc/haproxy/haproxy.cfg && " +
		"haproxy -c -q -f /etc/haproxy/haproxy.cfg && rc-service haproxy start"
	if code, out, errOut := inCT(t, sim, 143, script, config); code != 0 {
		t.Fatalf("gateway setup: %d %s %s", code, out, errOut)
	}
	gw := guestAddrOf(t, sim, 143)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: sim.DialGuest}}
	url := func(port uint16, path string) string { return "http://" + netip.AddrPortFrom(gw, port).String() + path }
	checkAppPage(t, fetchPage(client, url(8100, "/")), 142)
	embed := fetchPage(client, url(9100, "/"))
	if embed.status != 200 || !strings.Contains(embed.body, "CT 142 (shop)") {
		t.Fatalf("embed port: %+v", embed)
	}
	if _, ok := embed.header["X-Frame-Options"]; ok || embed.header.Get("Content-Security-Policy") != "default-src 'self';" {
		t.Errorf("embed port's headers: %v", embed.header)
	}
	if f := fetchPage(client, url(80, "/proximity-gateway")); f.status != 200 || f.body != haproxy200Body {
		t.Errorf("health: %+v", f)
	}
	// The app stopped, haproxy answers its 503 page.
	if code, _, errOut := inCT(t, sim, 142, "cd /opt/app && docker compose stop", ""); code != 0 {
		t.Fatal(errOut)
	}
	if f := fetchPage(client, url(8100, "/")); f.status != 503 || f.body != haproxy503Body {
		t.Errorf("app stopped: %+v", f)
	}
}

// TestHAProxyStartFailsOnATakenPort: haproxy cannot bind a port a compose
// service of its own container publishes (protocol_bind_all's alert, with
// musl's "Address in use"), so it does not start and serves nothing.
func TestHAProxyStartFailsOnATakenPort(t *testing.T) {
	sim := startSim(t, Options{})
	webApp(t, sim, 144, 8100)
	if code, _, errOut := inCT(t, sim, 144, "apk add haproxy && cat > /etc/haproxy/haproxy.cfg", gatewayHAProxyConfig); code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut := inCT(t, sim, 144, "rc-service haproxy start", "")
	want := ") : Binding [/etc/haproxy/haproxy.cfg:14] for frontend app_101_public: protocol tcpv4: " +
		"cannot bind socket (Address in use) for [0.0.0.0:8100].\n"
	if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, " * ERROR: haproxy failed to start\n") {
		t.Errorf("start on a taken port: %d %q", code, errOut)
	}
	sim.mu.Lock()
	g := sim.guests[144]
	sim.mu.Unlock()
	if specs := haproxyListeners(sim, g); len(specs) != 0 {
		t.Errorf("a haproxy that did not start serves %v", specs)
	}
}
