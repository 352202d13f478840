package pveclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logSubsystem is the tflog subsystem of every Proxmox request.
const logSubsystem = "proxmox"

// transport authenticates requests, logs them at TRACE without secrets, and
// turns every non-2xx answer into an *APIError. go-proxmox alone would read a
// 595 or 401 body as empty data; failing in the transport means no caller can
// mistake an error for an empty answer.
type transport struct {
	base     http.RoundTripper
	endpoint string
	auth     authenticator
	// answered is set once the server answered anything: from then on a
	// refused connection is a restart of pveproxy, worth retrying, not an
	// endpoint that is wrong.
	answered *atomic.Bool
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if err := t.auth.apply(req, t.base); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	ctx := req.Context()
	fields := map[string]any{"method": req.Method, "path": apiPath(req), "duration_ms": time.Since(start).Milliseconds()}
	if err != nil {
		fields["error"] = err.Error()
		tflog.SubsystemTrace(ctx, logSubsystem, "Proxmox request failed", fields)
		return nil, t.connectionError(err)
	}
	if t.answered != nil {
		t.answered.Store(true)
	}
	fields["status"] = resp.StatusCode
	tflog.SubsystemTrace(ctx, logSubsystem, "Proxmox request", fields)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeAPIError(req, resp)
}

func apiPath(req *http.Request) string {
	p := req.URL.Path
	if i := strings.Index(p, "/api2/json"); i >= 0 {
		p = p[i+len("/api2/json"):]
	}
	return p
}

// decodeAPIError reads PVE's failure envelope; the reason phrase carries the
// message too, for answers without a body (595 from the proxy).
func decodeAPIError(req *http.Request, resp *http.Response) *APIError {
	e := &APIError{Method: req.Method, Path: apiPath(req), Status: resp.StatusCode}
	if _, reason, ok := strings.Cut(resp.Status, " "); ok {
		e.Message = reason
	}
	var body struct {
		Message string            `json:"message"`
		Errors  map[string]string `json:"errors"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(raw, &body) == nil {
		if body.Message != "" {
			e.Message = strings.TrimSpace(body.Message)
		}
		e.Errors = body.Errors
	} else if text := strings.TrimSpace(string(raw)); text != "" && len(text) < 300 {
		// Not PVE's envelope: another server's words, such as a TLS
		// server's answer to plain http.
		e.Message += ": " + text
	}
	return e
}

func (t *transport) connectionError(err error) error {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var tlsVerify *tls.CertificateVerificationError
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &tlsVerify) {
		return &CertificateError{Endpoint: t.endpoint, Err: err}
	}
	return &connectionFailure{endpoint: t.endpoint, err: err}
}

// newHTTPTransport builds the TLS settings: the system roots plus ca_cert_pem,
// or no verification when insecure is set.
func newHTTPTransport(caPEM string, insecure bool) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	tr := base.Clone()
	tr.MaxIdleConnsPerHost = 8
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if insecure {
		cfg.InsecureSkipVerify = true //nolint:gosec // the user asked for it with insecure = true
	} else if caPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, &ConfigError{Field: "CACertPEM", Err: errors.New("the CA certificate text holds no PEM certificate")}
		}
		cfg.RootCAs = pool
	}
	tr.TLSClientConfig = cfg
	return tr, nil
}
