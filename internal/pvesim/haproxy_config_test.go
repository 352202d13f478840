package pvesim

import (
	"strings"
	"testing"
)

// gatewayHAProxyConfig is the shape of configuration the gateway renders:
// one frontend per published port, one per embed port with the
// frame-blocking headers removed, one backend per app.
const gatewayHAProxyConfig = `# generated
global
    daemon
    maxconn 4096

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend app_101_public
    bind :8100
    default_backend app_101

frontend app_101_embed
    bind :9100
    http-response del-header X-Frame-Options
    http-response replace-header Content-Security-Policy "^(.*?);?\s*frame-ancestors[^;]*;?\s*(.*)$" "\1;\2"
    default_backend app_101

backend app_101
    server app 10.10.1.2:8080
`

func haproxyTexts(msgs []haproxyMsg) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// TestHAProxyConfigParsesTheGatewayShape: the gateway's configuration is
// valid with no message, and its listeners and rules are what it says.
func TestHAProxyConfigParsesTheGatewayShape(t *testing.T) {
	cfg, msgs, ok := parseHAProxyConfig("/etc/haproxy/haproxy.cfg", gatewayHAProxyConfig)
	if !ok || len(msgs) != 0 {
		t.Fatalf("valid config refused: %v %q", ok, haproxyTexts(msgs))
	}
	ls := cfg.listeners()
	if len(ls) != 2 || ls[0].Port != 8100 || ls[1].Port != 9100 || ls[1].Proxy.Name != "app_101_embed" {
		t.Fatalf("listeners: %+v", ls)
	}
	be := cfg.backendOf(ls[1].Proxy)
	if be == nil || be.Name != "app_101" || be.Servers[0].Addr != "10.10.1.2:8080" {
		t.Fatalf("backend of the embed frontend: %+v", be)
	}
	rules := ls[1].Proxy.RespRules
	if len(rules) != 2 || rules[0].Action != "del-header" || rules[1].Re == nil || rules[1].Value != `\1;\2` {
		t.Fatalf("response rules: %+v", rules)
	}
	// parse_line (tools.c) keeps a backslash it has no meaning for, so the
	// regex gets its \s.
	if got := rules[1].Re.String(); got != `^(.*?);?\s*frame-ancestors[^;]*;?\s*(.*)$` {
		t.Errorf("regex as parsed: %s", got)
	}
}

// TestHAProxyConfigRefusesAsHAProxyDoes pins the alert texts of haproxy
// 3.2 (src/cfgparse-listen.c cfg_parse_listen's unknown keyword with
// cfg_find_best_match's hint, src/cfgparse.c check_config_validity's
// "unable to find required default_backend", proxy.c
// proxy_parse_timeout) and the summary lines of src/haproxy.c; each was
// also seen, word for word, from Debian 12's haproxy 2.6.12 -c on the same
// file.
func TestHAProxyConfigRefusesAsHAProxyDoes(t *testing.T) {
	const f = "/etc/haproxy/haproxy.cfg"
	cases := []struct {
		name, edit string
		want       []string
	}{
		{"unknown keyword", "    bogus_directive on\n", []string{
			"parsing [" + f + ":25] : unknown keyword 'bogus_directive' in 'backend' section",
			"Error(s) found in configuration file : " + f,
			"Fatal errors found in configuration."}},
		{"misspelt keyword", "    default_backnd app_101\n", []string{
			"parsing [" + f + ":25] : unknown keyword 'default_backnd' in 'backend' section; did you mean 'default_backend' maybe ?",
			"Error(s) found in configuration file : " + f,
			"Fatal errors found in configuration."}},
		{"bad timeout", "    timeout server 5x\n", []string{
			"parsing [" + f + ":25] : unexpected character 'x' in 'timeout server'",
			"Error(s) found in configuration file : " + f,
			"Fatal errors found in configuration."}},
		{"missing backend", "frontend other\n    bind :8200\n    default_backend app_102\n", []string{
			"Proxy 'other': unable to find required default_backend: 'app_102'.",
			"Fatal errors found in configuration."}},
	}
	for _, c := range cases {
		_, msgs, ok := parseHAProxyConfig(f, gatewayHAProxyConfig+c.edit)
		if ok || strings.Join(haproxyTexts(msgs), "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: ok=%v\n got %q\nwant %q", c.name, ok, haproxyTexts(msgs), c.want)
		}
	}
}

// TestHAProxyConfigAcceptsWhatHAProxyAccepts: a port bound by two
// frontends passes -c (haproxy binds with SO_REUSEPORT), haproxy's other
// keywords pass unmodelled, a proxy without timeouts only warns
// (check_config_validity), and the package's example file, whose frontend
// line names its address as haproxy 1.4 allowed, is refused.
func TestHAProxyConfigAcceptsWhatHAProxyAccepts(t *testing.T) {
	const f = "/etc/haproxy/haproxy.cfg"
	twice := gatewayHAProxyConfig + "frontend again\n    bind :8100\n    acl local src 127.0.0.1\n    retries 3\n    default_backend app_101\n"
	if _, msgs, ok := parseHAProxyConfig(f, twice); !ok || len(msgs) != 0 {
		t.Errorf("a port bound twice: %v %q", ok, haproxyTexts(msgs))
	}
	bare := "frontend web\n    bind :80\n    default_backend app\nbackend app\n    server a 10.0.0.1:80\n"
	_, msgs, ok := parseHAProxyConfig(f, bare)
	if !ok || len(msgs) != 2 || msgs[0].Alert || !strings.HasPrefix(msgs[0].Text, "missing timeouts for frontend 'web'.\n   | While") {
		t.Errorf("no timeouts: %v %q", ok, haproxyTexts(msgs))
	}
	// The example's section line alone is no error: haproxy creates no
	// proxy and refuses each line of its body (cfg_parse_listen's
	// "'listen' or 'defaults' expected."), as Debian 12's haproxy 2.6.12
	// does with the same lines.
	_, msgs, ok = parseHAProxyConfig(f, haproxyDefaultConfig)
	body := "'listen' or 'defaults' expected."
	want := []string{"parsing [" + f + ":29] : please use the 'bind' keyword for listening addresses.",
		"parsing [" + f + ":30] : " + body, "parsing [" + f + ":31] : " + body, "parsing [" + f + ":32] : " + body,
		"parsing [" + f + ":33] : " + body, "Error(s) found in configuration file : " + f, "Fatal errors found in configuration."}
	if ok || strings.Join(haproxyTexts(msgs), "\n") != strings.Join(want, "\n") {
		t.Errorf("the package's example: %v\n got %q\nwant %q", ok, haproxyTexts(msgs), want)
	}
	// A proxy without a name stops the read at once (ERR_ABORT): no
	// "Fatal errors" line follows.
	_, msgs, ok = parseHAProxyConfig(f, "frontend\n    bind :80\n")
	if got := haproxyTexts(msgs); ok || len(got) != 2 || got[0] != "parsing ["+f+":1] : 'frontend' expects an <id> argument" {
		t.Errorf("a frontend without a name: %v %q", ok, got)
	}
}
