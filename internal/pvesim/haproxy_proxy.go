package pvesim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
)

// The running haproxy of a guest serves its loaded configuration on the
// guest network: one listener per bound port, forwarding HTTP to the first
// server of the frontend's default backend, with the frontend's and
// backend's header rules applied.

func init() { listenerSources = append(listenerSources, haproxyListeners) }

// haproxyDial is how the proxy reaches a server: the guest network's dial
// (guest_network_dial.go), which tests may replace.
var haproxyDial = func(s *Simulator) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.dialGuest
}

// haproxyHandlers keeps the handlers of a loaded configuration, so that
// a reconcile that finds the same configuration gets the same handlers.
var haproxyHandlers sync.Map // haproxyHandlerKey -> []listenerSpec

type haproxyHandlerKey struct {
	s    *Simulator
	vmid int
	text string
}

func haproxyListeners(s *Simulator, g *guest) []listenerSpec {
	s.mu.Lock()
	running, root, vmid := g.Running, g.RootFS, g.VMID
	s.mu.Unlock()
	view := &guest{RootFS: root} // the file tree locks itself
	if !running || !haproxyRunning(view) {
		return nil
	}
	raw, err := root.ReadFile(haproxyLoadedFile)
	if err != nil {
		return nil
	}
	key := haproxyHandlerKey{s: s, vmid: vmid, text: string(raw)}
	if v, ok := haproxyHandlers.Load(key); ok {
		if specs, ok := v.([]listenerSpec); ok {
			return specs
		}
	}
	cfg, _, ok := parseHAProxyConfig(haproxyConfFile, string(raw))
	if !ok {
		return nil
	}
	specs := haproxySpecs(cfg, vmid, haproxyDial(s))
	haproxyHandlers.Range(func(k, _ any) bool { // one configuration per guest
		if hk, ok := k.(haproxyHandlerKey); ok && hk.s == s && hk.vmid == vmid {
			haproxyHandlers.Delete(k)
		}
		return true
	})
	haproxyHandlers.Store(key, specs)
	return specs
}

// haproxySpecs are the listeners of a configuration.
func haproxySpecs(cfg *haproxyConfig, vmid int, dial func(ctx context.Context, network, addr string) (net.Conn, error)) []listenerSpec {
	var out []listenerSpec
	for _, l := range cfg.listeners() {
		out = append(out, listenerSpec{Port: l.Port, Handler: newHAProxyHandler(cfg, l.Proxy, dial),
			What: "haproxy " + l.Proxy.Kind + " " + l.Proxy.Name + " in CT " + strconv.Itoa(vmid)})
	}
	return out
}

// haproxyHandler is one frontend: it forwards to its backend's first
// server, or answers haproxy's own 503 page when there is none or it
// cannot be reached (after its connect retries haproxy returns 503, with
// termination state "SC": http_err_msgs[HTTP_ERR_503] in src/http.c).
type haproxyHandler struct {
	fe, be *haproxyProxy
	proxy  *httputil.ReverseProxy
}

func newHAProxyHandler(cfg *haproxyConfig, fe *haproxyProxy, dial func(ctx context.Context, network, addr string) (net.Conn, error)) http.Handler {
	h := &haproxyHandler{fe: fe, be: cfg.backendOf(fe)}
	if h.be == nil || len(h.be.Servers) == 0 {
		return h
	}
	target := h.be.Servers[0].Addr
	h.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", target
			pr.Out.Host = pr.In.Host // haproxy passes the Host header through
			if h.fe.Options["forwardfor"] || h.be.Options["forwardfor"] {
				// option forwardfor: the client's address for the app's logs.
				if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
					pr.Out.Header.Set("X-Forwarded-For", ip)
				}
			}
			applyHeaderRules(pr.Out.Header, h.fe.ReqRules)
			if h.be != h.fe {
				applyHeaderRules(pr.Out.Header, h.be.ReqRules)
			}
		},
		// Each request dials its server: an idle in-memory connection would
		// outlive a stopped app, which a real one does not. timeout server
		// bounds the wait for the answer.
		Transport: &http.Transport{DialContext: dial, ResponseHeaderTimeout: h.be.Timeouts["server"], DisableKeepAlives: true},
		ModifyResponse: func(r *http.Response) error {
			if h.be != h.fe {
				applyHeaderRules(r.Header, h.be.RespRules)
			}
			applyHeaderRules(r.Header, h.fe.RespRules)
			return nil
		},
		ErrorHandler: haproxyProxyError,
		ErrorLog:     nullLogger(),
	}
	return h
}

func (h *haproxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.fe.MonitorURI != "" && (r.URL.Path == h.fe.MonitorURI || r.RequestURI == h.fe.MonitorURI) {
		haproxyPage(w, http.StatusOK, haproxy200Body) // http_err_msgs[HTTP_ERR_200]
		return
	}
	if h.proxy == nil {
		haproxyError503(w)
		return
	}
	h.proxy.ServeHTTP(w, r)
}

const (
	haproxy503Body = "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"
	haproxy200Body = "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n"
	haproxy504Body = "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n"
)

func haproxyError503(w http.ResponseWriter) {
	haproxyPage(w, http.StatusServiceUnavailable, haproxy503Body)
}

// haproxyProxyError is haproxy's answer when forwarding fails: a server
// that did not answer within timeout server is 504, a server it could not
// connect to (after its retries) 503.
func haproxyProxyError(w http.ResponseWriter, _ *http.Request, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		haproxyPage(w, http.StatusGatewayTimeout, haproxy504Body)
		return
	}
	haproxyError503(w)
}

// haproxyPage is one of haproxy's own answers, with its headers.
func haproxyPage(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/html")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// backendOf is the backend a frontend's requests go to: its first
// unconditional use_backend, else its default_backend, else itself for a
// listen section with servers. Conditional use_backend rules are not
// evaluated (their requests take the same way).
func (cfg *haproxyConfig) backendOf(fe *haproxyProxy) *haproxyProxy {
	for _, name := range []string{fe.UseAlways, fe.DefaultBackend} {
		for _, p := range cfg.Proxies {
			if name != "" && p.backend() && p.Name == name {
				return p
			}
		}
	}
	if fe.backend() {
		return fe
	}
	return nil
}

// applyHeaderRules runs header actions in order (http_act.c):
// set-header replaces every occurrence, add-header appends, del-header
// removes the header, replace-header rewrites each occurrence whose value
// the regex matches into the replacement with \1..\9 back-references.
func applyHeaderRules(h http.Header, rules []haproxyHeaderRule) {
	for _, r := range rules {
		switch r.Action {
		case "set-header":
			h.Set(r.Name, r.Value)
		case "add-header":
			h.Add(r.Name, r.Value)
		case "del-header":
			h.Del(r.Name)
		case "replace-header", "replace-value":
			key := http.CanonicalHeaderKey(r.Name)
			vals := h[key]
			for i, v := range vals {
				if m := r.Re.FindStringSubmatchIndex(v); m != nil {
					vals[i] = string(r.Re.ExpandString(nil, haproxyReplacement(r.Value), v, m))
				}
			}
		}
	}
}

// haproxyReplacement turns haproxy's \N back-references into Go's ${N}.
func haproxyReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			b.WriteString("${" + string(s[i+1]) + "}")
			i++
			continue
		}
		if s[i] == '$' {
			b.WriteString("$$")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
