package pvesim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"
)

// startSim runs a simulator for one test at a fast time scale.
func startSim(t testing.TB, opts Options) *Simulator {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = 0.001
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := sim.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// httpClient trusts only the simulator's CA, so every test checks the certificate.
func httpClient(t testing.TB, sim *Simulator) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(sim.Info().CACertPEM)) {
		t.Fatal("CA certificate does not parse")
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func pveClient(t testing.TB, sim *Simulator) *proxmox.Client {
	t.Helper()
	id, secret, _ := strings.Cut(sim.Info().APIToken, "=")
	return proxmox.NewClient(sim.Endpoint()+apiPrefix, proxmox.WithHTTPClient(httpClient(t, sim)), proxmox.WithAPIToken(id, secret))
}

// apiResponse is a raw answer: status line parts and the decoded envelope.
type apiResponse struct {
	Status int
	Reason string
	Body   map[string]any
	Raw    string
}

// call makes a raw API request with the token (form body for POST/PUT).
func call(t testing.TB, sim *Simulator, method, path string, form url.Values) apiResponse {
	t.Helper()
	return callWith(t, sim, method, path, form, func(r *http.Request) {
		r.Header.Set("Authorization", "PVEAPIToken="+sim.Info().APIToken)
	})
}

func callWith(t testing.TB, sim *Simulator, method, path string, form url.Values, auth func(*http.Request)) apiResponse {
	t.Helper()
	var body io.Reader
	target := sim.Endpoint() + apiPrefix + path
	if method == http.MethodGet || method == http.MethodDelete {
		if len(form) > 0 {
			target += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != nil {
		auth(req)
	}
	resp, err := httpClient(t, sim).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := apiResponse{Status: resp.StatusCode, Reason: strings.TrimPrefix(resp.Status, resp.Status[:4]), Raw: string(raw)}
	if err := json.Unmarshal(raw, &out.Body); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
	}
	return out
}

// waitTask polls a task until it stops and returns its exit status.
func waitTask(t testing.TB, sim *Simulator, upid string) string {
	t.Helper()
	tk, err := parseUPID(upid)
	if err != nil {
		t.Fatalf("bad UPID %q: %v", upid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := call(t, sim, http.MethodGet, "/nodes/"+tk.Node+"/tasks/"+url.PathEscape(upid)+"/status", nil)
		data, _ := r.Body["data"].(map[string]any)
		if data["status"] == "stopped" {
			return mustString(t, data["exitstatus"])
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", upid)
	return ""
}

func data(r apiResponse) any { return r.Body["data"] }

// mustString, mustMap, mustSlice and mustFloat take a decoded JSON value as
// the type the test expects, failing the test (not panicking) when it is not.
func mustString(t testing.TB, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("want a string, got %T: %#v", v, v)
	}
	return s
}

func mustMap(t testing.TB, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want an object, got %T: %#v", v, v)
	}
	return m
}

func mustSlice(t testing.TB, v any) []any {
	t.Helper()
	s, ok := v.([]any)
	if !ok {
		t.Fatalf("want an array, got %T: %#v", v, v)
	}
	return s
}

func mustFloat(t testing.TB, v any) float64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("want a number, got %T: %#v", v, v)
	}
	return f
}

// mustTransport is the *http.Transport behind an httptest client.
func mustTransport(t testing.TB, rt http.RoundTripper) *http.Transport {
	t.Helper()
	tr, ok := rt.(*http.Transport)
	if !ok {
		t.Fatalf("want an *http.Transport, got %T", rt)
	}
	return tr
}

// createCT creates a container through the API and waits for it.
func createCT(t testing.TB, sim *Simulator, node string, vmid int, extra url.Values) {
	t.Helper()
	form := url.Values{
		"vmid":         {itoa(vmid)},
		"ostemplate":   {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"},
		"rootfs":       {"local-lvm:4"},
		"net0":         {"name=eth0,bridge=vmbr0,ip=dhcp"},
		"unprivileged": {"1"},
		"features":     {"nesting=1"},
	}
	for k, v := range extra {
		form[k] = v
	}
	r := call(t, sim, http.MethodPost, "/nodes/"+node+"/lxc", form)
	if r.Status != 200 {
		t.Fatalf("create CT %d: %d %s", vmid, r.Status, r.Raw)
	}
	if status := waitTask(t, sim, mustString(t, data(r))); status != "OK" {
		t.Fatalf("create CT %d task: %s", vmid, status)
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
