package pvesim

import (
	"net/http"
	"strings"
	"testing"
)

// haproxyPorts are the ports CT 141's haproxy listener source serves.
func haproxyPorts(sim *Simulator) []int {
	sim.mu.Lock()
	g := sim.guests[141]
	sim.mu.Unlock()
	var out []int
	for _, spec := range haproxyListeners(sim, g) {
		out = append(out, spec.Port)
	}
	return out
}

func writeHAProxyConfig(t *testing.T, sim *Simulator, vmid int, text string) {
	t.Helper()
	if code, _, errOut := inCT(t, sim, vmid, "cat > /etc/haproxy/haproxy.cfg", text); code != 0 {
		t.Fatalf("writing the config: %s", errOut)
	}
}

// TestHAProxyPackageAndCheck: `apk add haproxy` installs the binary, the
// example configuration and the OpenRC script (aports main/haproxy:
// APKBUILD, haproxy.cfg, haproxy.initd in haproxy-openrc); haproxy -v
// prints display_version's lines (src/haproxy.c); haproxy -c exits 0 and,
// since 3.0, prints "Configuration file is valid" only with -V; an invalid
// file gets the [NOTICE] lines of warn_exec_path, then [ALERT] lines with
// the "config :" context (src/errors.c print_message) and exit 1.
func TestHAProxyPackageAndCheck(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 140, map[string][]string{"start": {"1"}})
	code, out, errOut := inCT(t, sim, 140, "apk add haproxy && ls /usr/sbin/haproxy /etc/init.d/haproxy && haproxy -v", "")
	status := "Status: long-term supported branch - will stop receiving fixes around Q2 2030.\n"
	if code != 0 || !strings.Contains(out, "Installing haproxy-openrc (3.2.13-r0)") ||
		!strings.Contains(out, "HAProxy version 3.2.13-") || !strings.Contains(out, status) {
		t.Fatalf("apk add haproxy: %d %q %q", code, out, errOut)
	}
	code, out, errOut = inCT(t, sim, 140, "haproxy -c -f /etc/haproxy/haproxy.cfg", "")
	if code != 1 || out != "" || !strings.Contains(errOut, "[NOTICE]   (") ||
		!strings.Contains(errOut, ") : config : parsing [/etc/haproxy/haproxy.cfg:29] : please use the 'bind' keyword for listening addresses.\n") ||
		!strings.HasSuffix(errOut, ") : config : Fatal errors found in configuration.\n") {
		t.Errorf("haproxy -c on the package's example: %d %q %q", code, out, errOut)
	}
	writeHAProxyConfig(t, sim, 140, gatewayHAProxyConfig)
	if code, out, errOut := inCT(t, sim, 140, "haproxy -c -f /etc/haproxy/haproxy.cfg", ""); code != 0 || out != "" || errOut != "" {
		t.Errorf("haproxy -c on a valid file: %d %q %q", code, out, errOut)
	}
	if code, out, _ := inCT(t, sim, 140, "haproxy -V -c -f /etc/haproxy/haproxy.cfg", ""); code != 0 || out != "Configuration file is valid\n" {
		t.Errorf("haproxy -V -c: %d %q", code, out)
	}
	writeHAProxyConfig(t, sim, 140, gatewayHAProxyConfig+"    bogus_directive on\n")
	code, _, errOut = inCT(t, sim, 140, "haproxy -c -f /etc/haproxy/haproxy.cfg", "")
	if code != 1 || !strings.Contains(errOut, "[ALERT]    (") ||
		!strings.Contains(errOut, " : config : parsing [/etc/haproxy/haproxy.cfg:25] : unknown keyword 'bogus_directive' in 'backend' section\n") {
		t.Errorf("haproxy -c with an unknown keyword: %d %q", code, errOut)
	}
	// -q is quiet about alerts too (print_message skips them in MODE_QUIET).
	if code, out, errOut := inCT(t, sim, 140, "haproxy -q -c -f /etc/haproxy/haproxy.cfg", ""); code != 1 || out+errOut != "" {
		t.Errorf("haproxy -q -c: %d %q %q", code, out, errOut)
	}
}

// TestHAProxyServiceServesItsLoadedConfig follows haproxy.initd: start
// loads the file; reload checks it first and on failure keeps serving the
// old one ("Reloading failed, please fix your ... first"); a valid reload
// serves the new one; a restart with an invalid file fails in its stop
// (RC_CMD=restart runs checkconfig) and keeps the old process; the
// default runlevel brings it back after a container stop and start; stop
// ends it.
func TestHAProxyServiceServesItsLoadedConfig(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 141, map[string][]string{"start": {"1"}})
	if code, _, errOut := inCT(t, sim, 141, "apk add haproxy && rc-update add haproxy default", ""); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := inCT(t, sim, 141, "rc-service haproxy start", ""); code != 1 || !strings.Contains(out, "[ !! ]") {
		t.Errorf("start on the package's example: %d %q", code, out)
	}
	writeHAProxyConfig(t, sim, 141, gatewayHAProxyConfig)
	if code, out, errOut := inCT(t, sim, 141, "rc-service haproxy start && rc-service haproxy status", ""); code != 0 ||
		out != " * Starting haproxy ...\n [ ok ]\n * status: started\n" {
		t.Fatalf("start: %d %q %q", code, out, errOut)
	}
	if got := haproxyPorts(sim); len(got) != 2 || got[0] != 8100 || got[1] != 9100 {
		t.Fatalf("served after start: %v", got)
	}
	writeHAProxyConfig(t, sim, 141, strings.Replace(gatewayHAProxyConfig, "app_101\n\nbackend", "app_999\n\nbackend", 1))
	code, _, errOut := inCT(t, sim, 141, "rc-service haproxy reload", "")
	if code != 1 || errOut != " * Reloading failed, please fix your /etc/haproxy/haproxy.cfg first\n" {
		t.Errorf("reload with a missing backend: %d %q", code, errOut)
	}
	if code, _, _ := inCT(t, sim, 141, "rc-service haproxy restart", ""); code != 1 {
		t.Errorf("restart with an invalid file: %d", code)
	}
	if got := haproxyPorts(sim); len(got) != 2 {
		t.Fatalf("a failed reload or restart must keep the old config: %v", got)
	}
	writeHAProxyConfig(t, sim, 141, gatewayHAProxyConfig+"frontend app_102_public\n    bind :8101\n    default_backend app_101\n")
	if code, _, errOut := inCT(t, sim, 141, "rc-service haproxy reload", ""); code != 0 {
		t.Fatalf("reload: %s", errOut)
	}
	if got := haproxyPorts(sim); len(got) != 3 || got[2] != 8101 {
		t.Fatalf("served after reload: %v", got)
	}
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/141/status/stop", nil)
	if got := haproxyPorts(sim); len(got) != 0 {
		t.Errorf("a stopped container serves %v", got)
	}
	runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/141/status/start", nil)
	if got := haproxyPorts(sim); len(got) != 3 {
		t.Errorf("after a container start (haproxy in the default runlevel): %v", got)
	}
	if code, _, _ := inCT(t, sim, 141, "rc-service haproxy stop", ""); code != 0 || len(haproxyPorts(sim)) != 0 {
		t.Errorf("stop: %d %v", code, haproxyPorts(sim))
	}
}

// TestHAProxyVersionFollowsTheBranch: Alpine 3.21 ships haproxy 3.0.17-r0
// and 3.22 3.2.13-r0 (pkgs.alpinelinux.org); -v prints each branch's
// PRODUCT_STATUS (include/haproxy/version.h of 3.0 and 3.2).
func TestHAProxyVersionFollowsTheBranch(t *testing.T) {
	for branch, want := range map[string]string{
		"v3.21": "3.0.17-5f3b1e4 Q2 2029", "v3.22": "3.2.13-5f3b1e4 Q2 2030",
	} {
		v, _, status := haproxyVersion(haproxyVersions[branch])
		if got := v + " " + strings.TrimSuffix(status[len(status)-8:], "."); got != want {
			t.Errorf("%s: %q, want %q", branch, got, want)
		}
	}
}
