package pvesim

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // TOTP (RFC 6238) as PVE's authenticator apps use it is HMAC-SHA1
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tfaCfgPath is priv/tfa.cfg, the users' second factors as proxmox-tfa's
// TfaConfig writes them: {"users": {"<userid>": {"totp": [{"id": ...,
// "description": ..., "created": ..., "enable": ..., "entry":
// "otpauth://totp/...?secret=..."}]}}}. Only TOTP is modelled: WebAuthn,
// U2F, Yubico and recovery keys need a device or are not used by clients
// that log in unattended.
const tfaCfgPath = "/priv/tfa.cfg"

// totpFactor is one TOTP entry of a user.
type totpFactor struct {
	secret []byte
	digits int
	period int64
}

// userTOTP lists userid's enabled TOTP entries (an entry without "enable"
// is enabled: proxmox-tfa's default_tfa_enable).
func (s *Simulator) userTOTP(userid string) []totpFactor {
	raw, err := s.cfs.ReadFile(tfaCfgPath)
	if err != nil {
		return nil
	}
	var cfg struct {
		Users map[string]struct {
			TOTP []struct {
				Enable *bool  `json:"enable"`
				Entry  string `json:"entry"`
			} `json:"totp"`
		} `json:"users"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return nil
	}
	var out []totpFactor
	for _, e := range cfg.Users[userid].TOTP {
		if f, ok := parseOTPAuth(e.Entry); ok && (e.Enable == nil || *e.Enable) {
			out = append(out, f)
		}
	}
	return out
}

// parseOTPAuth reads an otpauth://totp/ URI with the defaults of the key
// URI format: 6 digits, 30 s period, SHA1 (the only algorithm modelled).
func parseOTPAuth(uri string) (totpFactor, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		return totpFactor{}, false
	}
	q := u.Query()
	if a := q.Get("algorithm"); a != "" && !strings.EqualFold(a, "SHA1") {
		return totpFactor{}, false
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(q.Get("secret"), "=")))
	if err != nil || len(secret) == 0 {
		return totpFactor{}, false
	}
	f := totpFactor{secret: secret, digits: 6, period: 30}
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
	mac := hmac.New(sha1.New, f.secret)
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
// neighbours'.
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
