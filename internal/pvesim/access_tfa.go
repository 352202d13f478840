package pvesim

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // TOTP (RFC 6238) as PVE's authenticator apps use it is HMAC-SHA1
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tfaCfgPath is priv/tfa.cfg, the users' second factors as proxmox-tfa's
// TfaConfig writes them: {"users": {"<userid>": {"totp": [{"id": ...,
// "description": ..., "created": ..., "enable": ..., "entry":
// "otpauth://totp/...?secret=..."}], "webauthn": [...], "u2f": [...],
// "yubico": [...], "recovery": {...}}}}. Only TOTP codes are checked:
// WebAuthn, U2F, Yubico and recovery keys need a device or are not used by
// clients that log in unattended, but a user who has any of them needs a
// second factor all the same.
const tfaCfgPath = "/priv/tfa.cfg"

// totpFactor is one TOTP entry of a user.
type totpFactor struct {
	secret []byte
	digits int
	period int64
	hash   func() hash.Hash
}

// userTFA is what priv/tfa.cfg holds for one user: whether a login needs a
// second factor (any entry of any kind, enabled or not: proxmox-tfa's
// TfaUserData::is_empty, which authentication_challenge asks), and the
// enabled TOTP entries that can answer it (an entry without "enable" is
// enabled: proxmox-tfa's default_tfa_enable).
type userTFA struct {
	needed bool
	totp   []totpFactor
}

// errTFAConfig is a priv/tfa.cfg that does not parse: PVE's
// parse_priv_tfa_config dies, so every login that reads it fails.
var errTFAConfig = errors.New("priv/tfa.cfg does not parse")

// userSecondFactors reads userid's second factors.
func (s *Simulator) userSecondFactors(userid string) (userTFA, error) {
	raw, err := s.cfs.ReadFile(tfaCfgPath)
	if err != nil {
		return userTFA{}, nil // no file: nobody has a second factor
	}
	var cfg struct {
		Users map[string]struct {
			TOTP []struct {
				Enable *bool  `json:"enable"`
				Entry  string `json:"entry"`
			} `json:"totp"`
			U2F      []json.RawMessage `json:"u2f"`
			WebAuthn []json.RawMessage `json:"webauthn"`
			Yubico   []json.RawMessage `json:"yubico"`
			Recovery json.RawMessage   `json:"recovery"`
		} `json:"users"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return userTFA{}, errTFAConfig
	}
	u := cfg.Users[userid]
	recovery := len(u.Recovery) > 0 && string(u.Recovery) != "null"
	out := userTFA{needed: len(u.TOTP)+len(u.U2F)+len(u.WebAuthn)+len(u.Yubico) > 0 || recovery}
	for _, e := range u.TOTP {
		if f, ok := parseOTPAuth(e.Entry); ok && (e.Enable == nil || *e.Enable) {
			out.totp = append(out.totp, f)
		}
	}
	return out, nil
}

// parseOTPAuth reads an otpauth://totp/ URI with the defaults of the key
// URI format: 6 digits, 30 s period, SHA1; SHA256 and SHA512 as
// proxmox-tfa's Algorithm parses them.
func parseOTPAuth(uri string) (totpFactor, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		return totpFactor{}, false
	}
	q := u.Query()
	f := totpFactor{digits: 6, period: 30, hash: sha1.New}
	switch strings.ToUpper(q.Get("algorithm")) {
	case "", "SHA1":
	case "SHA256":
		f.hash = sha256.New
	case "SHA512":
		f.hash = sha512.New
	default:
		return totpFactor{}, false
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(q.Get("secret"), "=")))
	if err != nil || len(secret) == 0 {
		return totpFactor{}, false
	}
	f.secret = secret
	if d, err := strconv.Atoi(q.Get("digits")); err == nil && d > 0 {
		f.digits = d
	}
	if p, err := strconv.ParseInt(q.Get("period"), 10, 64); err == nil && p > 0 {
		f.period = p
	}
	return f, true
}

// code is the factor's code for a time step (RFC 4226's HOTP of the step).
func (f totpFactor) code(step int64) string {
	h := f.hash
	if h == nil {
		h = sha1.New
	}
	mac := hmac.New(h, f.secret)
	_ = binary.Write(mac, binary.BigEndian, uint64(step)) //nolint:gosec // steps since 1970 are positive
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range f.digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", f.digits, n%mod)
}

// verifyTOTP checks a TFA response as proxmox-tfa does for TOTP: the
// response must be "totp:<code>" (TfaResponse::from_str: anything else is
// "invalid tfa response"), and the code one of the current step's or its
// neighbours' (proxmox-tfa's verify_totp checks steps -1..=1).
func verifyTOTP(factors []totpFactor, response string, now time.Time) bool {
	code, ok := strings.CutPrefix(response, "totp:")
	if !ok {
		return false
	}
	for _, f := range factors {
		step := now.Unix() / f.period
		for d := int64(-1); d <= 1; d++ {
			if hmac.Equal([]byte(code), []byte(f.code(step+d))) {
				return true
			}
		}
	}
	return false
}

// newTFATicket is the ticket of a password login that still needs its second
// factor: PVE:!tfa!<challenge>:<timestamp>::<signature>, the signature
// bound to the user (assemble_ticket with the user as additional data). It
// authenticates nothing but the second step of the login.
func (s *Simulator) newTFATicket(user string, at time.Time) string {
	plain := fmt.Sprintf("PVE:!tfa!%s:%08X", url.QueryEscape(`{"totp":true}`), at.Unix())
	return plain + "::" + s.sign(plain+"\x00"+user)
}

// checkTFATicket is verify_ticket of a tfa-challenge for user.
func (s *Simulator) checkTFATicket(ticket, user string) bool {
	plain, sig, ok := strings.Cut(ticket, "::")
	if !ok || !strings.HasPrefix(plain, "PVE:!tfa!") || !hmac.Equal([]byte(sig), []byte(s.sign(plain+"\x00"+user))) {
		return false
	}
	i := strings.LastIndex(plain, ":")
	ts, err := strconv.ParseInt(plain[i+1:], 16, 64)
	if err != nil {
		return false
	}
	age := time.Since(time.Unix(ts, 0))
	return age <= ticketLifetime && age >= -5*time.Minute
}
