package pvesim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ticketLifetime is PVE's ticket validity; it is not scaled, because clients
// plan their renewal on the real clock.
const ticketLifetime = 2 * time.Hour

func (s *Simulator) sign(data string) string {
	mac := hmac.New(sha256.New, s.sec.TicketKey)
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// newTicket makes PVE:<user>:<8 hex timestamp>::<signature>.
func (s *Simulator) newTicket(user string, at time.Time) string {
	plain := fmt.Sprintf("PVE:%s:%08X", user, at.Unix())
	return plain + "::" + s.sign(plain)
}

// checkTicket returns the ticket's user when it is authentic and not expired.
func (s *Simulator) checkTicket(ticket string) (string, bool) {
	plain, sig, ok := strings.Cut(ticket, "::")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(plain))) {
		return "", false
	}
	parts := strings.Split(plain, ":")
	if len(parts) != 3 || parts[0] != "PVE" {
		return "", false
	}
	ts, err := strconv.ParseInt(parts[2], 16, 64)
	if err != nil {
		return "", false
	}
	age := time.Since(time.Unix(ts, 0))
	if age > ticketLifetime || age < -5*time.Minute {
		return "", false
	}
	return parts[1], true
}

func (s *Simulator) csrfToken(user string, at time.Time) string {
	ts := fmt.Sprintf("%08X", at.Unix())
	return ts + ":" + strings.TrimRight(s.sign("CSRF:"+ts+":"+user), "=")
}

func (s *Simulator) checkCSRF(token, user string) bool {
	ts, _, ok := strings.Cut(token, ":")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil || time.Since(time.Unix(sec, 0)) > ticketLifetime {
		return false
	}
	return hmac.Equal([]byte(token), []byte(s.csrfToken(user, time.Unix(sec, 0))))
}

// authenticate checks the token header or the ticket cookie (and the CSRF
// header for writes). /access/ticket itself needs no credentials.
func (s *Simulator) authenticate(hr *http.Request, rel string) (user, tokenID string, err *apiError) {
	if strings.TrimSuffix(rel, "/") == "/access/ticket" {
		return "", "", nil
	}
	if h := hr.Header.Get("Authorization"); strings.HasPrefix(h, "PVEAPIToken") {
		value := strings.TrimPrefix(strings.TrimPrefix(h, "PVEAPIToken"), "=")
		value = strings.TrimSpace(value)
		id, secret, ok := strings.Cut(value, "=")
		if !ok {
			id, secret, ok = strings.Cut(value, ":")
		}
		if !ok || id != s.sec.TokenID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.sec.TokenSecret)) != 1 {
			return "", "", errBadTicket
		}
		user, _, _ = strings.Cut(id, "!")
		return user, id, nil
	}
	cookie, cerr := hr.Cookie("PVEAuthCookie")
	if cerr != nil || cookie.Value == "" {
		return "", "", errNoTicket
	}
	// Browsers and some clients send the ticket URL-encoded (%3A for ':').
	ticket := cookie.Value
	if unescaped, uerr := url.PathUnescape(ticket); uerr == nil {
		ticket = unescaped
	}
	user, ok := s.checkTicket(ticket)
	if !ok {
		return "", "", errBadTicket
	}
	if hr.Method != http.MethodGet && !s.checkCSRF(hr.Header.Get("CSRFPreventionToken"), user) {
		return "", "", errBadCSRF
	}
	return user, "", nil
}

func (s *Simulator) getTicketDummy(*request) (any, error) { return nil, nil }

// postTicket logs in with a password, or renews a valid ticket given as the password.
func (s *Simulator) postTicket(r *request) (any, error) {
	username := r.params["username"]
	if realm := r.params["realm"]; realm != "" && !strings.Contains(username, "@") {
		username += "@" + realm
	}
	if strings.Contains(username, "!") {
		// API tokens cannot log in.
		time.Sleep(s.clock.real(3 * time.Second))
		return nil, errAuthFailed
	}
	password := r.params["password"]
	ok := username == "root@pam" && subtle.ConstantTimeCompare([]byte(password), []byte(s.sec.Password)) == 1
	if !ok {
		if u, valid := s.checkTicket(password); valid && u == username {
			ok = true
		}
	}
	if !ok {
		time.Sleep(s.clock.real(3 * time.Second))
		return nil, errAuthFailed
	}
	now := time.Now()
	return map[string]any{
		"username":            username,
		"ticket":              s.newTicket(username, now),
		"CSRFPreventionToken": s.csrfToken(username, now),
		"clustername":         s.clusterName,
		"cap":                 rootCapabilities(),
	}, nil
}

// rootCapabilities is the cap map PVE returns for root@pam (abridged to the
// groups PVE sends, every privilege granted).
func rootCapabilities() map[string]any {
	all := func(privs ...string) map[string]int {
		m := map[string]int{}
		for _, p := range privs {
			m[p] = 1
		}
		return m
	}
	return map[string]any{
		"vms":     all("VM.Allocate", "VM.Audit", "VM.Backup", "VM.Config.Disk", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options", "VM.Console", "VM.PowerMgmt"),
		"storage": all("Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit"),
		"nodes":   all("Sys.Audit", "Sys.Console", "Sys.Modify", "Sys.PowerMgmt"),
		"access":  all("User.Modify", "Permissions.Modify", "Group.Allocate"),
		"dc":      all("Sys.Audit", "Sys.Modify", "SDN.Audit"),
		"sdn":     all("SDN.Allocate", "SDN.Audit", "SDN.Use"),
		"mapping": all("Mapping.Audit", "Mapping.Modify", "Mapping.Use"),
	}
}
