package pveclient

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// authenticator adds credentials to a request.
type authenticator interface {
	apply(req *http.Request, base http.RoundTripper) error
	method() string
}

// tokenAuth sends PVE's API token header; no CSRF token is needed.
type tokenAuth struct{ token string }

func (a tokenAuth) apply(req *http.Request, _ http.RoundTripper) error {
	req.Header.Set("Authorization", "PVEAPIToken="+a.token)
	return nil
}

func (a tokenAuth) method() string {
	id, _, _ := strings.Cut(a.token, "=")
	return "API token " + id
}

// ticketRenewAfter is when a ticket (valid 2 h) is renewed: well before it
// expires, so a long apply never sends an expired one.
const ticketRenewAfter = 90 * time.Minute

// ticketAuth logs in with a password and keeps the ticket fresh, renewing it
// with the ticket itself as the password, as the PVE web UI does.
type ticketAuth struct {
	endpoint, username, password, otp string

	mu     sync.Mutex
	ticket string
	csrf   string
	issued time.Time
	now    func() time.Time
}

func (a *ticketAuth) method() string { return "password login of " + a.username }

func (a *ticketAuth) apply(req *http.Request, base http.RoundTripper) error {
	if strings.HasSuffix(req.URL.Path, "/access/ticket") {
		return nil
	}
	ticket, csrf, err := a.current(req, base)
	if err != nil {
		return err
	}
	req.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: ticket})
	if req.Method != http.MethodGet {
		req.Header.Set("CSRFPreventionToken", csrf)
	}
	return nil
}

func (a *ticketAuth) current(req *http.Request, base http.RoundTripper) (string, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.ticket != "" && now.Sub(a.issued) < ticketRenewAfter {
		return a.ticket, a.csrf, nil
	}
	password := a.password
	if a.ticket != "" && now.Sub(a.issued) < 2*time.Hour-time.Minute {
		password = a.ticket
	}
	ticket, csrf, err := a.login(req, base, password)
	if err != nil && password != a.password {
		ticket, csrf, err = a.login(req, base, a.password)
	}
	if err != nil {
		return "", "", err
	}
	a.ticket, a.csrf, a.issued = ticket, csrf, now
	return ticket, csrf, nil
}

func (a *ticketAuth) login(orig *http.Request, base http.RoundTripper, password string) (string, string, error) {
	form := url.Values{"username": {a.username}, "password": {password}}
	if a.otp != "" {
		form.Set("otp", tfaResponse(a.otp))
	}
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodPost, a.endpoint+"/api2/json/access/ticket", strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	resp, err := base.RoundTrip(req)
	if err != nil {
		return "", "", (&transport{endpoint: a.endpoint}).connectionError(err)
	}
	defer resp.Body.Close()
	// Never the form: it holds the password or the ticket.
	tflog.SubsystemTrace(req.Context(), logSubsystem, "Proxmox login", map[string]any{
		"path": "/access/ticket", "user": a.username, "status": resp.StatusCode, "duration_ms": time.Since(start).Milliseconds(),
	})
	if resp.StatusCode != http.StatusOK {
		return "", "", decodeAPIError(req, resp)
	}
	var body struct {
		Data struct {
			Ticket  string `json:"ticket"`
			CSRF    string `json:"CSRFPreventionToken"`
			NeedTFA int    `json:"NeedTFA"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(raw, &body); err != nil || body.Data.Ticket == "" {
		return "", "", fmt.Errorf("login to %s answered without a ticket", a.endpoint)
	}
	if body.Data.NeedTFA == 1 {
		return "", "", needTFAError(a.username)
	}
	return body.Data.Ticket, body.Data.CSRF, nil
}
