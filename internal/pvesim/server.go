package pvesim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

const apiPrefix = "/api2/json"

func nullLogger() *log.Logger { return log.New(io.Discard, "", 0) }

func (s *Simulator) tlsConfig() (*tls.Config, error) {
	cert, err := tls.X509KeyPair([]byte(s.sec.ServerCertPEM+s.sec.CACertPEM), []byte(s.sec.ServerKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}, nil
}

// request is one API call after routing, authentication and validation.
type request struct {
	method string
	route  string // schema path template
	params pveschema.Params
	// authid is who is calling: a user id (root@pam, terraform@pve) or a
	// full token id (terraform@pve!proximity), as PVE's $rpcenv->get_user.
	authid string
	acc    *accessState // the access control this request is checked against
}

func (r *request) vmid() int    { n, _ := strconv.Atoi(r.params["vmid"]); return n }
func (r *request) node() string { return r.params["node"] }
func (r *request) bool(name string) bool {
	return r.params[name] == "1"
}
func (r *request) has(name string) bool { _, ok := r.params[name]; return ok }

type handlerFunc func(r *request) (any, error)

// ServeHTTP answers as pveproxy does: auth, route, validate, handle, with
// PVE's envelope and its messages as reason phrases.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if strings.HasPrefix(hr.URL.Path, "/_sim/") {
		s.serveAdmin(w, hr)
		return
	}
	rel, ok := strings.CutPrefix(hr.URL.EscapedPath(), apiPrefix)
	if !ok || rel == "" {
		rel = hr.URL.EscapedPath()
		s.writeError(w, hr, notImplemented(hr.Method, rel))
		return
	}
	segments, err := splitPath(rel)
	if err != nil {
		s.writeError(w, hr, notImplemented(hr.Method, rel))
		return
	}
	route, vars := s.routes.match(segments)
	routeName := rel
	if route != nil {
		routeName = route.template
	}
	s.stats.countRequest(hr.Method, routeName)
	s.stats.countAPIWrite("api", hr.Method, routeName)

	delay, fault := s.faults.request(hr.Method, "/"+strings.Join(segments, "/"))
	if delay > 0 {
		time.Sleep(s.clock.real(delay))
	}
	if fault != nil {
		s.stats.countFault()
		if fault.Kind == faultLost {
			// As when pveproxy gives up on pvedaemon after it acted: the
			// request is carried out and the client never hears of it.
			s.serveRequest(httptest.NewRecorder(), hr, rel, segments, route, vars)
			hangUp(w)
			return
		}
		s.applyFault(w, hr, fault, vars)
		return
	}
	s.serveRequest(w, hr, rel, segments, route, vars)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// serveRequest authenticates, validates and runs one API request.
func (s *Simulator) serveRequest(w http.ResponseWriter, hr *http.Request, rel string, segments []string, route *route, vars map[string]string) {

	authid, isToken, authErr := s.authenticate(hr, rel)
	if authErr != nil {
		if authErr.Status == http.StatusUnauthorized {
			time.Sleep(s.clock.real(3 * time.Second))
		}
		s.writeError(w, hr, authErr)
		return
	}
	if route == nil {
		s.writeError(w, hr, notImplemented(hr.Method, "/"+strings.Join(segments, "/")))
		return
	}
	meth, handler := route.methods[hr.Method], route.handlers[hr.Method]
	if meth == nil || handler == nil {
		s.writeError(w, hr, notImplemented(hr.Method, "/"+strings.Join(segments, "/")))
		return
	}
	if isToken && !bool(meth.AllowToken) {
		s.writeError(w, hr, permDenied("URI '"+rel+"' not available with API token, need proper ticket.\n"))
		return
	}
	params, perr := readParams(hr)
	if perr != nil {
		s.writeError(w, hr, perr)
		return
	}
	if qerr := s.quorumGuard(hr.Method, route.template, vars); qerr != nil {
		s.writeError(w, hr, qerr)
		return
	}
	for k, v := range vars {
		params[k] = v
	}
	// As pve-manager's rest_handler: the permission check comes before the
	// parameters are verified (that happens in the handler, after proxying).
	acc := s.access()
	if aerr := acc.checkAPI2(route.perms[hr.Method], authid, params); aerr != nil {
		s.writeError(w, hr, aerr)
		return
	}
	if errs := meth.Validate(params); len(errs) > 0 {
		s.writeError(w, hr, paramError(errs))
		return
	}
	req := &request{method: hr.Method, route: route.template, params: params, authid: authid, acc: acc}
	if n, ok := params["node"]; ok && meth.ProxyTo == "node" {
		if aerr := s.checkNodeReachable(n); aerr != nil {
			s.writeError(w, hr, aerr)
			return
		}
	}
	// storage.cfg may have changed over SSH since the last request.
	s.refreshStorages()
	data, herr := handler(req)
	if herr != nil {
		ae, ok := herr.(*apiError)
		if !ok {
			ae = fail("%s", herr.Error())
		}
		s.writeError(w, hr, ae)
		return
	}
	if wt, ok := data.(withTotal); ok {
		s.writeData(w, wt.data, map[string]any{"total": wt.total})
		return
	}
	if wc, ok := data.(withChanges); ok {
		s.writeData(w, wc.data, map[string]any{"changes": wc.changes})
		return
	}
	s.writeData(w, data, nil)
}

func (s *Simulator) checkNodeReachable(name string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(name)
	if n == nil {
		return noSuchNode(name)
	}
	if !n.Online {
		return &apiError{Status: 595, Message: fmt.Sprintf("Connection refused (node '%s' is offline)", name)}
	}
	return nil
}

func splitPath(rel string) ([]string, error) {
	rel = strings.Trim(rel, "/")
	if rel == "" {
		return nil, nil
	}
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		parts[i] = u
	}
	return parts, nil
}

// readParams collects the query string (GET, DELETE) or the body (POST, PUT),
// form-encoded or JSON, as PVE does. JSON booleans become 1/0 here; form
// values stay as sent, so "true" fails the boolean type check.
func readParams(hr *http.Request) (pveschema.Params, *apiError) {
	params := pveschema.Params{}
	query := decodeURLEncoded(hr.URL.RawQuery)
	if hr.Method == http.MethodGet || hr.Method == http.MethodDelete {
		return query, nil
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, 16<<20))
	if err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Message: "unable to read request body"}
	}
	ctype, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if ctype == "application/json" {
		if len(bytes.TrimSpace(body)) != 0 {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil {
				return nil, &apiError{Status: http.StatusBadRequest, Message: "malformed JSON string"}
			}
			for k, v := range obj {
				switch t := v.(type) {
				case bool:
					params[k] = map[bool]string{true: "1", false: "0"}[t]
				case string:
					params[k] = t
				case json.Number:
					params[k] = t.String()
				case nil:
				default:
					raw, _ := json.Marshal(t)
					params[k] = string(raw)
				}
			}
		}
	} else {
		params = decodeURLEncoded(string(body))
	}
	// extract_params: the query string's parameters are added over the body's.
	for k, v := range query {
		params[k] = v
	}
	return params, nil
}

// decodeURLEncoded is pve-http-server's decode_urlencoded (APIServer/AnyEvent.pm):
// pairs are separated by '&' or ';', '+' is a space, and a key given more
// than once has its values joined with NUL, as CGI.pm does; split_list
// later splits such a list on the NULs.
func decodeURLEncoded(data string) pveschema.Params {
	res := pveschema.Params{}
	if data == "" {
		return res
	}
	for _, kv := range strings.FieldsFunc(data, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, hasValue := strings.Cut(kv, "=")
		k = unescapeForm(k)
		if !hasValue {
			res[k] = ""
			continue
		}
		v = unescapeForm(v)
		if old, ok := res[k]; ok {
			v = old + "\x00" + v
		}
		res[k] = v
	}
	return res
}

// unescapeForm decodes '+' and %XX; a malformed escape stays as it is, as
// the Perl substitution leaves it.
func unescapeForm(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *Simulator) writeData(w http.ResponseWriter, data any, extra map[string]any) {
	body := map[string]any{"data": data}
	for k, v := range extra {
		body[k] = v
	}
	raw, err := json.Marshal(body)
	if err != nil {
		raw = []byte(`{"data":null}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
}

// writeError sends PVE's failure envelope. Go's server cannot set a custom
// reason phrase, so the connection is hijacked and the status line written by
// hand: clients that only read the status line (go-proxmox does) must see the
// message, as they do with pveproxy.
func (s *Simulator) writeError(w http.ResponseWriter, hr *http.Request, e *apiError) {
	body := map[string]any{"data": nil, "message": e.Message + "\n"}
	if len(e.Errors) > 0 {
		body["errors"] = e.Errors
	}
	raw, _ := json.Marshal(body)
	reason := firstLine(e.Message)
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(e.Status)
		_, _ = w.Write(raw)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", e.Status, reason)
	fmt.Fprintf(buf, "Cache-Control: max-age=0\r\nConnection: close\r\nContent-Type: application/json;charset=UTF-8\r\n")
	fmt.Fprintf(buf, "Date: %s\r\nPragma: no-cache\r\nServer: pve-api-daemon/3.0\r\n", time.Now().UTC().Format(http.TimeFormat))
	fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", len(raw))
	_, _ = buf.Write(raw)
	_ = buf.Flush()
	_ = hr
}

// applyFault answers with an injected fault, which ends the request.
func (s *Simulator) applyFault(w http.ResponseWriter, hr *http.Request, r *faultRule, vars map[string]string) {
	msg := r.Message
	switch r.Kind {
	case faultDrop:
		hangUp(w)
	case faultStatus595:
		if msg == "" {
			msg = "Connection refused"
		}
		s.writeError(w, hr, &apiError{Status: 595, Message: msg})
	case faultStatus596:
		if msg == "" {
			msg = "Connection timed out"
		}
		s.writeError(w, hr, &apiError{Status: 596, Message: msg})
	case faultLock:
		target := "/run/lock/lxc/pve-config-" + vars["vmid"] + ".lock"
		if vars["vmid"] == "" {
			target = "/var/lock/pve-manager/pve-storage-local"
		}
		s.writeError(w, hr, fail("can't lock file '%s' - got timeout", target))
	case faultLocked:
		if msg == "" {
			msg = "backup"
		}
		s.writeError(w, hr, fail("CT is locked (%s)", msg))
	default:
		if msg == "" {
			msg = "got timeout"
		}
		s.writeError(w, hr, fail("%s", msg))
	}
}
