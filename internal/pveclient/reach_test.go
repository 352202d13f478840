package pveclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// slowRetry would take seconds per call if a failure were retried.
var slowRetry = RetryConfig{MaxAttempts: 6, MinBackoff: time.Second, MaxBackoff: 2 * time.Second}

// TestUnknownHostFailsFast: a host name that does not resolve (.invalid
// never does, RFC 6761) is reported at once, as such, not retried.
func TestUnknownHostFailsFast(t *testing.T) {
	c, err := New(Config{Endpoint: "https://pve.proximity.invalid:8006", APIToken: "a@pam!b=c", Retry: slowRetry})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Version(context.Background())
	var reach *ConnectionError
	if !errors.As(err, &reach) || reach.Problem != ReachNoSuchHost || reach.Attempts != 1 ||
		!strings.Contains(err.Error(), "https://pve.proximity.invalid:8006: the host name does not resolve") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("an unknown host took %s: it was retried", d)
	}
}

// TestRefusedAfterAnAnswerIsRetried: once the server answered, a refused
// connection is pveproxy restarting, and the retry policy applies.
func TestRefusedAfterAnAnswerIsRetried(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"data":{"version":"8.4.1"}}`))
	}))
	c, err := New(Config{Endpoint: srv.URL, APIToken: "a@pam!b=c", Insecure: true,
		Retry: RetryConfig{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err = c.Version(context.Background())
	var reach *ConnectionError
	if !errors.As(err, &reach) || reach.Problem != ReachRefused || reach.Attempts != 3 || !strings.Contains(err.Error(), ": 3 attempts over ") {
		t.Fatalf("got %v", err)
	}
}

// TestTLSHandshakeTimeoutNamesTheAttempts: a server that takes the
// connection and never completes the TLS handshake is retried as the policy
// says, each attempt bounded by the handshake timeout, and the error says
// how many attempts over how long, and what ran out.
func TestTLSHandshakeTimeoutNamesTheAttempts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, conn) // taken, never answered
		}
	}()
	c, err := New(Config{Endpoint: "https://" + ln.Addr().String(), APIToken: "a@pam!b=c", TLSHandshakeTimeout: 100 * time.Millisecond,
		Retry: RetryConfig{MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Version(context.Background())
	var reach *ConnectionError
	if !errors.As(err, &reach) || reach.Attempts != 3 || reach.Problem != ReachOther ||
		!regexpMatch(`cannot reach the Proxmox API at https://127\.0\.0\.1:\d+: 3 attempts over \d+ ms: net/http: TLS handshake timeout$`, err.Error()) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("three attempts of 100 ms took %s", d)
	}
}

// TestPlainHTTPToHTTPS: an http:// endpoint in front of a TLS server says
// to write https://.
func TestPlainHTTPToHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c, err := New(Config{Endpoint: strings.Replace(srv.URL, "https://", "http://", 1), APIToken: "a@pam!b=c", Retry: slowRetry})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Version(context.Background())
	if err == nil || !strings.Contains(err.Error(), "speaks HTTPS, not plain http") ||
		!strings.Contains(err.Error(), "write the endpoint with https://") {
		t.Fatalf("got %v", err)
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// TestUntrustedCertificateIsNotRetried: no retry makes a certificate
// trusted; net/http's wrapping of it made it look like a network error.
func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, APIToken: "a@pam!b=c", Retry: slowRetry})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Version(context.Background())
	var certErr *CertificateError
	if !errors.As(err, &certErr) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("an untrusted certificate took %s: it was retried", d)
	}
}
