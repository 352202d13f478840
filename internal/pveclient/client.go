package pveclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	proxmox "github.com/luthermonson/go-proxmox"
)

// Config is what the provider configuration resolves to.
type Config struct {
	Endpoint  string // https://host:8006
	APIToken  string // USER@REALM!ID=SECRET; or Username and Password
	Username  string
	Password  string
	OTP       string
	Insecure  bool
	CACertPEM string
	Retry     RetryConfig
	// RequestTimeout bounds one HTTP request, answer included (default
	// 60 s; the first byte of the answer must come within half of it).
	// PVE answers every call in seconds, long work runs as a task, so a
	// silent server is given up on and retried, all within the caller's
	// context, rather than waited for.
	RequestTimeout time.Duration
	// TLSHandshakeTimeout bounds one TLS handshake (default 10 s): a server
	// that takes the connection and never completes the handshake costs
	// this much per attempt.
	TLSHandshakeTimeout time.Duration
}

// RetryConfig bounds the retries of transient and locked errors.
type RetryConfig struct {
	MaxAttempts int
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
}

// DefaultRetry is used where the provider configuration says nothing.
var DefaultRetry = RetryConfig{MaxAttempts: 6, MinBackoff: 500 * time.Millisecond, MaxBackoff: 10 * time.Second}

// Client is the provider's connection to one cluster.
type Client struct {
	api      *proxmox.Client
	endpoint string
	auth     authenticator
	retry    RetryConfig
	secrets  []string
	answered *atomic.Bool // the server answered a request once (transport.answered)
}

// New builds a client; it makes no network call.
func New(cfg Config) (*Client, error) {
	endpoint := strings.TrimRight(cfg.Endpoint, "/")
	endpoint = strings.TrimSuffix(endpoint, "/api2/json")
	httpTr, err := newHTTPTransport(cfg.CACertPEM, cfg.Insecure)
	if err != nil {
		return nil, err
	}
	var auth authenticator
	switch {
	case cfg.APIToken != "":
		auth = tokenAuth{token: cfg.APIToken}
	case cfg.Username != "" && cfg.Password != "":
		auth = &ticketAuth{endpoint: endpoint, username: cfg.Username, password: cfg.Password, otp: cfg.OTP, now: time.Now}
	default:
		return nil, &ConfigError{Field: "APIToken", Err: errors.New("no credentials: give an API token, or a username and password")}
	}
	retry := cfg.Retry
	if retry.MaxAttempts == 0 {
		retry = DefaultRetry
	}
	timeout := cfg.RequestTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	httpTr.ResponseHeaderTimeout = timeout / 2
	if cfg.TLSHandshakeTimeout > 0 {
		httpTr.TLSHandshakeTimeout = cfg.TLSHandshakeTimeout
	}
	answered := &atomic.Bool{}
	tr := &transport{base: httpTr, endpoint: endpoint, auth: auth, answered: answered}
	c := &Client{
		api:      proxmox.NewClient(endpoint+"/api2/json", proxmox.WithHTTPClient(&http.Client{Transport: tr, Timeout: timeout})),
		endpoint: endpoint, auth: auth, retry: retry, answered: answered,
	}
	for _, s := range []string{cfg.APIToken, cfg.Password, cfg.OTP} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	if _, secret, ok := strings.Cut(cfg.APIToken, "="); ok {
		c.secrets = append(c.secrets, secret)
	}
	return c, nil
}

// Endpoint is the cluster's API address.
func (c *Client) Endpoint() string { return c.endpoint }

// logContext opens the proxmox log subsystem with every secret masked, so
// that no log line, whatever it carries, can show a token or a password.
func (c *Client) logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem)
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, c.secrets...)
	ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, c.secrets...)
	ctx = tflog.MaskAllFieldValuesStrings(ctx, c.secrets...)
	return tflog.MaskMessageStrings(ctx, c.secrets...)
}

// do runs one idempotent call, retrying transient and locked errors with
// exponential backoff and jitter until the attempts or ctx run out. A
// refused connection or an unknown host before the server ever answered is
// a wrong endpoint, not a hiccup: it fails at once with its cause.
func (c *Client) do(ctx context.Context, what string, call func(ctx context.Context) error) error {
	ctx = c.logContext(ctx)
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = c.retry.MinBackoff, c.retry.MaxBackoff
	attempt, start := 0, time.Now()
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		attempt++
		err := call(ctx)
		if err == nil {
			return struct{}{}, nil
		}
		if reachProblem(err) != ReachOther && !c.answered.Load() {
			return struct{}{}, backoff.Permanent(err)
		}
		switch KindOf(err) {
		case KindTransient, KindLocked:
			tflog.SubsystemDebug(ctx, logSubsystem, "retrying Proxmox call", map[string]any{"call": what, "attempt": attempt, "error": err.Error()})
			return struct{}{}, err
		}
		return struct{}{}, backoff.Permanent(err)
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(c.retry.MaxAttempts)), backoff.WithMaxElapsedTime(0))
	if err != nil {
		return c.explain(what, attempt, time.Since(start), err)
	}
	return nil
}

// explain turns an error into one that names the endpoint and what to do.
func (c *Client) explain(what string, attempts int, elapsed time.Duration, err error) error {
	// net/http wraps transport errors as `Get "<url>": ...`; the transport's
	// own error already names the call, so drop the wrapper.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	var certErr *CertificateError
	switch {
	case errors.As(err, &certErr):
		return fmt.Errorf("%s: %w", what, err)
	case KindOf(err) == KindUnauthorized:
		_, token := c.auth.(tokenAuth)
		return fmt.Errorf("%s: %w", what, &CredentialsError{Endpoint: c.endpoint, Method: c.auth.method(), Token: token, Err: err})
	case errors.Is(err, errConnection):
		var failure *connectionFailure
		if errors.As(err, &failure) {
			err = failure.err // the endpoint is named once, by ConnectionError
		}
		reach := &ConnectionError{Endpoint: c.endpoint, Problem: reachProblem(err), Attempts: attempts, Elapsed: elapsed, Err: err}
		return fmt.Errorf("%s: %w", what, reach)
	case strings.HasPrefix(c.endpoint, "http://") && isHTTPSAnswer(err):
		return fmt.Errorf("%s: the server at %s speaks HTTPS, not plain http (%w); write the endpoint with https://", what, c.endpoint, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
