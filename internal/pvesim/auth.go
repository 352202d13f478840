package pvesim

import (
	"regexp"

	"github.com/GehirnInc/crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	_ "github.com/GehirnInc/crypt/sha512_crypt" // $6$ hashes

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
// header for writes) as pve-manager's auth_handler does, and returns the
// authenticated identity: a user id, or a full token id for tokens. The
// user must exist, be enabled and not have expired; so must a token, whose
// secret is in priv/token.cfg. Every failure is the same 401.
// /access/ticket itself needs no credentials.
func (s *Simulator) authenticate(hr *http.Request, rel string) (authid string, isToken bool, err *apiError) {
	if strings.TrimSuffix(rel, "/") == "/access/ticket" {
		return "", false, nil
	}
	if h := hr.Header.Get("Authorization"); strings.HasPrefix(h, "PVEAPIToken") {
		value := strings.TrimPrefix(strings.TrimPrefix(h, "PVEAPIToken"), "=")
		value = strings.TrimSpace(value)
		// verify_token splits at the last '=' (m/^(.*)=(.*)$/); older
		// clients separate with ':'.
		i := strings.LastIndex(value, "=")
		if i < 0 {
			i = strings.LastIndex(value, ":")
		}
		if i < 0 {
			return "", false, errBadTicket
		}
		id, secret := value[:i], value[i+1:]
		if !s.access().tokenValid(id, secret, time.Now()) {
			return "", false, errBadTicket
		}
		return id, true, nil
	}
	cookie, cerr := hr.Cookie("PVEAuthCookie")
	if cerr != nil || cookie.Value == "" {
		return "", false, errNoTicket
	}
	// Browsers and some clients send the ticket URL-encoded (%3A for ':').
	ticket := cookie.Value
	if unescaped, uerr := url.PathUnescape(ticket); uerr == nil {
		ticket = unescaped
	}
	user, ok := s.checkTicket(ticket)
	if !ok || s.access().userEnabled(user, time.Now()) != nil {
		return "", false, errBadTicket
	}
	if hr.Method != http.MethodGet && !s.checkCSRF(hr.Header.Get("CSRFPreventionToken"), user) {
		return "", false, errBadCSRF
	}
	return user, false, nil
}

// userEnabled is check_user_enabled: the user exists, is enabled and has
// not expired.
func (a *accessState) userEnabled(userid string, now time.Time) error {
	u := a.cfg.Users[userid]
	switch {
	case u == nil:
		return fmt.Errorf("no such user ('%s')", userid)
	case !u.Enable:
		return fmt.Errorf("user '%s' is disabled", userid)
	case u.Expire != 0 && u.Expire < now.Unix():
		return fmt.Errorf("user '%s' access expired", userid)
	}
	return nil
}

// tokenValid is verify_token: an enabled user, an existing token that has
// not expired, and its secret.
func (a *accessState) tokenValid(id, secret string, now time.Time) bool {
	m := tokenIDRe.FindStringSubmatch(id)
	if m == nil || a.userEnabled(m[1], now) != nil {
		return false
	}
	tok := a.cfg.token(id)
	if tok == nil || (tok.Expire != 0 && tok.Expire < now.Unix()) {
		return false
	}
	want, ok := a.secrets[id]
	return ok && subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1
}

func (s *Simulator) getTicketDummy(*request) (any, error) { return nil, nil }

// postTicket logs in with a password, or renews a valid ticket given as the
// password. root@pam logs in with the node's root password (the pam realm:
// other pam users have no account on the simulated nodes); pve realm users
// with the password in priv/shadow.cfg.
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
	now := time.Now()
	ok, needTFA := s.ticketLogin(r, username, now)
	if !ok {
		time.Sleep(s.clock.real(3 * time.Second))
		return nil, errAuthFailed
	}
	a := s.access()
	if needTFA {
		// No cap until the second factor (create_ticket: cap only
		// without NeedTFA).
		return map[string]any{
			"username":            username,
			"ticket":              s.newTFATicket(username, now),
			"CSRFPreventionToken": s.csrfToken(username, now),
			"clustername":         s.clusterName,
			"NeedTFA":             1,
		}, nil
	}
	return map[string]any{
		"username":            username,
		"ticket":              s.newTicket(username, now),
		"CSRFPreventionToken": s.csrfToken(username, now),
		"clustername":         s.clusterName,
		"cap":                 a.capabilities(username),
	}, nil
}

// ticketLogin is create_ticket_do: a valid ticket as the password renews
// without a second factor; a password is checked by the user's realm, and
// then, for a user with a second factor in priv/tfa.cfg, the otp parameter
// is the second factor ("totp:<code>"), or without it the login answers
// NeedTFA with a ticket for the second step; that step sends the ticket as
// tfa-challenge and the response as the password. An otp for a user
// without a second factor, or any login while tfa.cfg does not parse,
// fails (authenticate_2nd_new_do, parse_priv_tfa_config).
func (s *Simulator) ticketLogin(r *request, username string, now time.Time) (ok, needTFA bool) {
	password := r.params["password"]
	otp, hasOTP := r.params["otp"]
	challenge, hasChallenge := r.params["tfa-challenge"]
	a := s.access()
	switch {
	case a.userEnabled(username, now) != nil:
		return false, false
	case hasOTP && hasChallenge:
		// "TFA response should be in 'password', not 'otp' when 'tfa-challenge' is set"
		return false, false
	}
	if u, valid := s.checkTicket(password); valid && u == username && !hasChallenge {
		return true, false
	}
	if !hasChallenge && !s.passwordMatches(a, username, password) {
		return false, false
	}
	tfa, err := s.userSecondFactors(username)
	switch {
	case err != nil:
		return false, false
	case hasChallenge:
		return s.checkTFATicket(challenge, username) && verifyTOTP(tfa.totp, password, now), false
	case !tfa.needed:
		// authenticate_2nd_new_do: a response without a challenge to
		// answer dies with "no such challenge".
		return !hasOTP, false
	case hasOTP:
		return verifyTOTP(tfa.totp, otp, now), false
	}
	return true, true
}

// rootPassword is root's password on the nodes (pam realm, SSH); pveum
// passwd can change it.
func (s *Simulator) rootPassword() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sec.Password
}

// passwordMatches authenticates a user by its realm.
func (s *Simulator) passwordMatches(a *accessState, userid, password string) bool {
	name, realm, _ := strings.Cut(userid, "@")
	switch realm {
	case "pam":
		return userid == "root@pam" && subtle.ConstantTimeCompare([]byte(password), []byte(s.rootPassword())) == 1
	case "pve":
		hash, ok := a.shadow[name]
		return ok && password != "" && cryptMatches(hash, password)
	}
	return false
}

// cryptMatches checks a password against a crypt(3) hash ($5$ or $6$).
func cryptMatches(hash, password string) bool {
	if !crypt.IsHashSupported(hash) {
		return false
	}
	return crypt.NewFromHash(hash).Verify(hash, []byte(password)) == nil
}

// encryptPassword is PVE::Tools::encrypt_pw: SHA-256 crypt ($5$) with an
// eight-character salt.
func encryptPassword(password string) (string, error) {
	salt := "$5$" + strings.NewReplacer("+", "X", "/", ".", "=", "").Replace(base64.StdEncoding.EncodeToString(randomBytes(6))) + "$"
	return sha256_crypt.New().Generate([]byte(password), []byte(salt))
}

// capabilities is compute_api_permission: per area of the GUI, the
// privileges the user holds anywhere in that area.
func (a *accessState) capabilities(authid string) map[string]map[string]int {
	areas := map[string]*regexp.Regexp{
		"vms":     regexp.MustCompile(`^(VM\.|Permissions\.Modify)`),
		"access":  regexp.MustCompile(`^((User|Group)\.|Permissions\.Modify)`),
		"storage": regexp.MustCompile(`^(Datastore\.|Permissions\.Modify)`),
		"nodes":   regexp.MustCompile(`^(Sys\.|Permissions\.Modify)`),
		"sdn":     regexp.MustCompile(`^(SDN\.|Permissions\.Modify)`),
		"dc":      regexp.MustCompile(`^(Sys\.Audit|Sys\.Modify|SDN\.)`),
		"mapping": regexp.MustCompile(`^(Mapping\.|Permissions.Modify)`),
	}
	res := map[string]map[string]int{}
	for area := range areas {
		res[area] = map[string]int{}
	}
	paths := []string{"/", "/nodes", "/access/groups", "/vms", "/storage", "/sdn", "/mapping"}
	a.cfg.walkACL("/", a.cfg.ACL, func(path string, _ *aclNode) { paths = append(paths, path) })
	seen := map[string]bool{}
	for _, path := range paths {
		if seen[path] {
			continue
		}
		seen[path] = true
		top := "dc"
		if m := topLevelRe.FindStringSubmatch(path); m != nil {
			top = m[1]
		}
		for priv := range a.permissions(authid, path) {
			if top == "pool" {
				switch {
				case strings.HasPrefix(priv, "VM."):
					res["vms"][priv] = 1
				case strings.HasPrefix(priv, "Datastore."):
					res["storage"][priv] = 1
				case priv == "Permissions.Modify":
					res["storage"][priv], res["vms"][priv] = 1, 1
				}
				continue
			}
			if re := areas[top]; re != nil && re.MatchString(priv) {
				res[top][priv] = 1
			}
		}
	}
	return res
}

var topLevelRe = regexp.MustCompile(`^/(\w+)`)
