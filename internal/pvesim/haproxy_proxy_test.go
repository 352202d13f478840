package pvesim

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
)

// dialTo is a dial function that reaches srv whatever address is asked,
// and records the address, so the handler is tested without the guest
// network.
func dialTo(srv *httptest.Server, asked *string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		*asked = addr
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
}

// TestHAProxyHandlerStripsFrameBlockingHeaders: the embed frontend of the
// gateway's configuration forwards to its backend's server and removes
// X-Frame-Options (http-response del-header) and the frame-ancestors
// directive of Content-Security-Policy (http-response replace-header,
// which rewrites the value the regex matches into the replacement with
// its back-references: http_act.c http_action_replace_header); the public
// frontend passes the headers through.
func TestHAProxyHandlerStripsFrameBlockingHeaders(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'")
		_, _ = io.WriteString(w, "page of app 101 via "+r.Host)
	}))
	defer app.Close()
	cfg, _, ok := parseHAProxyConfig(haproxyConfFile, gatewayHAProxyConfig)
	if !ok {
		t.Fatal("config refused")
	}
	var asked string
	specs := haproxySpecs(cfg, 120, dialTo(app, &asked))
	if len(specs) != 2 || specs[0].Port != 8100 || specs[1].Port != 9100 {
		t.Fatalf("specs: %+v", specs)
	}
	get := func(h http.Handler) *http.Response {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://gw.example:9100/", nil))
		return rec.Result()
	}
	public := get(specs[0].Handler)
	defer public.Body.Close()
	if public.StatusCode != 200 || public.Header.Get("X-Frame-Options") != "SAMEORIGIN" || asked != "10.10.1.2:8080" {
		t.Errorf("public port: %d %v, dialled %q", public.StatusCode, public.Header, asked)
	}
	embed := get(specs[1].Handler)
	defer embed.Body.Close()
	body, _ := io.ReadAll(embed.Body)
	if embed.StatusCode != 200 || string(body) != "page of app 101 via gw.example:9100" {
		t.Errorf("embed port: %d %q", embed.StatusCode, body)
	}
	if v, ok := embed.Header["X-Frame-Options"]; ok {
		t.Errorf("embed port kept X-Frame-Options %q", v)
	}
	if csp := embed.Header.Get("Content-Security-Policy"); csp != "default-src 'self';" {
		t.Errorf("embed port's Content-Security-Policy: %q", csp)
	}
}

// TestHAProxyHandlerAnswers503WhenTheServerIsDown: a refused connection
// is, after haproxy's connect retries, its own 503 page
// (http_err_msgs[HTTP_ERR_503], src/http.c); so is a frontend without a
// backend.
func TestHAProxyHandlerAnswers503WhenTheServerIsDown(t *testing.T) {
	cfg, _, _ := parseHAProxyConfig(haproxyConfFile, gatewayHAProxyConfig+"frontend lost\n    bind :8300\n")
	refuse := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	for _, spec := range haproxySpecs(cfg, 120, refuse) {
		rec := httptest.NewRecorder()
		spec.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != 503 || rec.Body.String() != haproxy503Body || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("port %d: %d %q %v", spec.Port, rec.Code, rec.Body.String(), rec.Header())
		}
		if !strings.Contains(spec.What, "in CT 120") {
			t.Errorf("What: %q", spec.What)
		}
	}
}

// TestHAProxyHandlerAnswersItsMonitorURI: a frontend's monitor-uri is
// answered by haproxy itself with http_err_msgs[HTTP_ERR_200] (http_ana.c,
// src/http.c), the gateway's health check; other paths of a frontend
// without a backend get the 503 page.
func TestHAProxyHandlerAnswersItsMonitorURI(t *testing.T) {
	cfg, msgs, ok := parseHAProxyConfig(haproxyConfFile, gatewayHAProxyConfig+
		"frontend gateway-health\n    bind :80\n    monitor-uri /proximity-gateway\n")
	if !ok {
		t.Fatalf("refused: %q", haproxyTexts(msgs))
	}
	specs := haproxySpecs(cfg, 120, nil)
	health := specs[len(specs)-1]
	if health.Port != 80 {
		t.Fatalf("specs: %+v", specs)
	}
	for path, want := range map[string]int{"/proximity-gateway": 200, "/other": 503} {
		rec := httptest.NewRecorder()
		health.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want || (want == 200 && rec.Body.String() != haproxy200Body) {
			t.Errorf("GET %s: %d %q", path, rec.Code, rec.Body.String())
		}
	}
}

// TestHAProxyHandlerAnswers504AfterTimeoutServer: a server that does not
// answer within timeout server gets haproxy's 504 page
// (http_err_msgs[HTTP_ERR_504], src/http.c).
func TestHAProxyHandlerAnswers504AfterTimeoutServer(t *testing.T) {
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer app.Close()
	defer close(release)
	cfg, _, ok := parseHAProxyConfig(haproxyConfFile, strings.Replace(gatewayHAProxyConfig, "timeout server 60s", "timeout server 150ms", 1))
	if !ok {
		t.Fatal("config refused")
	}
	var asked string
	rec := httptest.NewRecorder()
	haproxySpecs(cfg, 120, dialTo(app, &asked))[0].Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 504 || rec.Body.String() != haproxy504Body {
		t.Errorf("hung server: %d %q", rec.Code, rec.Body.String())
	}
}

// TestHAProxyHandlerSetsHeadersAndFollowsUseBackend: an unconditional
// use_backend wins over default_backend (use_backend rules are evaluated
// first), http-request set-header reaches the server and http-response
// set-header the client.
func TestHAProxyHandlerSetsHeadersAndFollowsUseBackend(t *testing.T) {
	var seen, forwardedFor string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, forwardedFor = r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-For")
		w.Header().Set("Server", "nginx")
	}))
	defer app.Close()
	cfg, msgs, ok := parseHAProxyConfig(haproxyConfFile, gatewayHAProxyConfig+`
frontend other
    bind :8200
    http-request set-header X-Forwarded-Proto http
    http-response set-header Server proximity-gateway
    use_backend app_102 if { path_beg /api }
    use_backend app_103
    default_backend app_101

backend app_102
    server app 10.10.1.3:8080

backend app_103
    server app 10.10.1.4:8080
`)
	if !ok {
		t.Fatalf("refused: %q", haproxyTexts(msgs))
	}
	var asked string
	specs := haproxySpecs(cfg, 120, dialTo(app, &asked))
	rec := httptest.NewRecorder()
	specs[2].Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if asked != "10.10.1.4:8080" || seen != "http" || rec.Header().Get("Server") != "proximity-gateway" {
		t.Errorf("dialled %q, server saw X-Forwarded-Proto %q, client got Server %q", asked, seen, rec.Header().Get("Server"))
	}
	// option forwardfor, from the defaults section.
	if forwardedFor != "192.0.2.1" {
		t.Errorf("X-Forwarded-For: %q", forwardedFor)
	}
}
