package pveclient

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Kind classifies a failed call by what the caller should do about it.
type Kind int

const (
	KindPermanent     Kind = iota // parameter errors, 403, anything a retry cannot fix
	KindNotFound                  // the object does not exist
	KindAlreadyExists             // a create found the id taken
	KindLocked                    // CT is locked (...), can't lock file ... got timeout
	KindTransient                 // 5xx, 595/596, connection refused or reset, timeouts
	KindUnauthorized              // 401: wrong credentials; never retried
)

func (k Kind) String() string {
	return [...]string{"permanent", "not found", "already exists", "locked", "transient", "unauthorized"}[k]
}

// APIError is a non-2xx answer of the PVE API.
type APIError struct {
	Method  string
	Path    string
	Status  int
	Message string            // PVE's message (the reason phrase)
	Errors  map[string]string // per-parameter errors of a 400
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
	for k, v := range e.Errors {
		msg += fmt.Sprintf("; %s: %s", k, v)
	}
	return msg
}

// Kind classifies the error by PVE's status and message. PVE dies with a
// plain message and status 500 for most failures, so the message decides
// before the status: "Configuration file 'nodes/pve1/lxc/101.conf' does not
// exist" is a missing guest, "CT 101 already exists on node 'pve1'" a taken
// VMID, lock_file's "can't lock file '...' - got timeout" and check_lock's
// "CT is locked (backup)" a busy guest, also where a restore prefixes them
// with "unable to restore CT 101 - ". A 403 is never "not found", whatever
// its text names.
func (e *APIError) Kind() Kind {
	m := e.Message
	switch {
	case e.Status == http.StatusUnauthorized:
		return KindUnauthorized
	case e.Status == http.StatusForbidden:
		return KindPermanent
	case strings.Contains(m, "does not exist") || e.Status == http.StatusNotFound:
		return KindNotFound
	case strings.Contains(m, "already exists"):
		return KindAlreadyExists
	case strings.Contains(m, "CT is locked (") || strings.Contains(m, "VM is locked (") ||
		(strings.Contains(m, "can't lock file") && strings.HasSuffix(m, "got timeout")):
		return KindLocked
	case strings.Contains(m, "is not available on node"):
		// storage_check_node: the storage is not configured for the node.
		return KindPermanent
	case e.Status >= 500:
		return KindTransient
	}
	if e.Status == http.StatusBadRequest {
		for _, v := range e.Errors {
			if strings.Contains(v, "already exists") {
				return KindAlreadyExists
			}
		}
	}
	return KindPermanent
}

// KindOf classifies any error a call returns.
func KindOf(err error) Kind {
	var api *APIError
	if errors.As(err, &api) {
		return api.Kind()
	}
	// Before net.Error: net/http wraps it in a *url.Error, which is one.
	var certErr *CertificateError
	if errors.As(err, &certErr) {
		return KindPermanent
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return KindTransient
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return KindTransient
	}
	if errors.Is(err, errConnection) {
		return KindTransient
	}
	return KindPermanent
}

// IsNotFound reports whether the object of a call does not exist.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }

// CertificateError says the server's certificate is not trusted. Which CA
// to trust is the caller's configuration (Config.CACertPEM), so the caller
// says what to change.
type CertificateError struct {
	Endpoint string
	Err      error
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("the TLS certificate of %s is not trusted (%v)", e.Endpoint, e.Err)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// ConfigError is a Config that cannot work; Field names the Config field at
// fault (APIToken when no credentials are given at all).
type ConfigError struct {
	Field string // APIToken or CACertPEM
	Err   error
}

func (e *ConfigError) Error() string { return e.Err.Error() }

func (e *ConfigError) Unwrap() error { return e.Err }

var errConnection = errors.New("connection failed")
