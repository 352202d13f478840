package pveclient

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// ReachProblem is why the API could not be reached.
type ReachProblem int

const (
	ReachOther      ReachProblem = iota // timeouts, resets, TLS handshakes that never complete
	ReachRefused                        // nothing listens on the endpoint's port
	ReachNoSuchHost                     // the endpoint's host name does not resolve
)

// ConnectionError is an API that could not be reached: no answer, not even
// an error status. Attempts and Elapsed are what was tried before giving up;
// which setting holds the endpoint is the caller's to say.
type ConnectionError struct {
	Endpoint string
	Problem  ReachProblem
	Attempts int
	Elapsed  time.Duration
	Err      error
}

func (e *ConnectionError) Error() string {
	prefix := "cannot reach the Proxmox API at " + e.Endpoint
	if e.Attempts > 1 {
		prefix += fmt.Sprintf(": %d attempts over %s", e.Attempts, roundDuration(e.Elapsed))
	}
	switch e.Problem {
	case ReachRefused:
		return prefix + ": the connection was refused (" + e.Err.Error() + "); nothing listens on that host and port"
	case ReachNoSuchHost:
		return prefix + ": the host name does not resolve (" + e.Err.Error() + ")"
	}
	return prefix + ": " + e.Err.Error()
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// reachProblem tells a refused connection and an unknown host, which no
// retry within seconds heals, from the others.
func reachProblem(err error) ReachProblem {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return ReachNoSuchHost
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReachRefused
	}
	return ReachOther
}

// roundDuration writes an elapsed time as people read it: 340 ms, 4.2 s, 12 s.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

// connectionFailure is the transport's error for a request that got no
// answer; it keeps the network error, so that a caller can tell a refused
// connection from a timeout.
type connectionFailure struct {
	endpoint string
	err      error
}

func (e *connectionFailure) Error() string {
	return fmt.Sprintf("%v: %s: %v", errConnection, e.endpoint, e.err)
}

func (e *connectionFailure) Unwrap() []error { return []error{errConnection, e.err} }

// isHTTPSAnswer reports a plain http request answered by a TLS server: Go's
// and OpenSSL's servers answer it with a 400 that says so.
func isHTTPSAnswer(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.Status == 400 && strings.Contains(strings.ToLower(api.Message), "https")
}

// CredentialsError is a 401: the API refused the token or the password
// login. Token tells which one, for the caller to name its setting.
type CredentialsError struct {
	Endpoint string
	Method   string // "API token USER@REALM!ID" or "password login of USER"
	Token    bool
	Err      error
}

func (e *CredentialsError) Error() string {
	return fmt.Sprintf("the Proxmox API at %s refused the %s (%v); check the credentials and that the user or token exists", e.Endpoint, e.Method, e.Err)
}

func (e *CredentialsError) Unwrap() error { return e.Err }
