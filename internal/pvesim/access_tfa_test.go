package pvesim

import (
	"encoding/base32"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestTOTPCode pins the code against RFC 6238's SHA1 test vectors.
func TestTOTPCode(t *testing.T) {
	f := totpFactor{secret: []byte("12345678901234567890"), digits: 8, period: 30}
	for at, want := range map[int64]string{59: "94287082", 1111111109: "07081804", 1234567890: "89005924"} {
		if got := f.code(at / 30); got != want {
			t.Errorf("code at %d: %s, want %s", at, got, want)
		}
	}
}

// TestTicketWithTOTP: a user with TOTP in priv/tfa.cfg, as
// pve-access-control's create_ticket / create_ticket_do and
// authenticate_user / authenticate_2nd_new answer: the password alone
// gives a NeedTFA ticket that authenticates nothing but the second step
// (tfa-challenge, response "totp:<code>" in password); otp with the
// password is the second factor at once; a bare code is no TFA response
// (proxmox-tfa's TfaResponse::from_str); otp beside tfa-challenge is
// refused; a full ticket renews without a second factor.
func TestTicketWithTOTP(t *testing.T) {
	sim := startSim(t, Options{})
	secret := []byte("proximity-tfa-secret")
	uri := "otpauth://totp/pve:root@pam?secret=" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	cfg := `{"users":{"root@pam":{"totp":[{"id":"t1","description":"phone","created":1700000000,"entry":"` + uri + `"}]}}}`
	if err := sim.cfs.WriteFile(tfaCfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code := "totp:" + totpFactor{secret: secret, digits: 6, period: 30}.code(time.Now().Unix()/30)
	pw := sim.Info().Password
	login := func(form url.Values) apiResponse {
		form.Set("username", "root@pam")
		return callWith(t, sim, http.MethodPost, "/access/ticket", form, nil)
	}
	nodesWith := func(ticket string) int {
		return callWith(t, sim, http.MethodGet, "/nodes", nil, func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: ticket})
		}).Status
	}

	first := login(url.Values{"password": {pw}})
	d := mustMap(t, data(first))
	if first.Status != 200 || d["NeedTFA"] != float64(1) || d["cap"] != nil {
		t.Fatalf("password alone: %d %s", first.Status, first.Raw)
	}
	challenge := mustString(t, d["ticket"])
	if st := nodesWith(challenge); st != http.StatusUnauthorized {
		t.Errorf("the NeedTFA ticket authenticated an API call: %d", st)
	}
	if r := login(url.Values{"password": {challenge}}); r.Status != http.StatusUnauthorized {
		t.Errorf("the NeedTFA ticket renewed as a password: %d", r.Status)
	}
	if r := login(url.Values{"tfa-challenge": {challenge}, "password": {"totp:000000x"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("a wrong code passed the second step: %d", r.Status)
	}
	second := login(url.Values{"tfa-challenge": {challenge}, "password": {code}})
	full := mustString(t, mustMap(t, data(second))["ticket"])
	if second.Status != 200 || nodesWith(full) != 200 {
		t.Fatalf("second step: %d %s", second.Status, second.Raw)
	}
	once := login(url.Values{"password": {pw}, "otp": {code}})
	if d := mustMap(t, data(once)); once.Status != 200 || d["NeedTFA"] != nil || d["cap"] == nil {
		t.Errorf("password with otp: %d %s", once.Status, once.Raw)
	}
	if r := login(url.Values{"password": {pw}, "otp": {code[len("totp:"):]}}); r.Status != http.StatusUnauthorized {
		t.Errorf("a bare code was taken as a TFA response: %d", r.Status)
	}
	if r := login(url.Values{"password": {code}, "otp": {code}, "tfa-challenge": {challenge}}); r.Status != http.StatusUnauthorized {
		t.Errorf("otp beside tfa-challenge: %d", r.Status)
	}
	if r := login(url.Values{"password": {full}}); r.Status != 200 || mustMap(t, data(r))["NeedTFA"] != nil {
		t.Errorf("renewal with the full ticket: %d %s", r.Status, r.Raw)
	}
}

// TestTOTPCodeSHA256 pins the SHA256 code against RFC 6238's vectors.
func TestTOTPCodeSHA256(t *testing.T) {
	f, ok := parseOTPAuth("otpauth://totp/x?algorithm=SHA256&digits=8&secret=" +
		base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890123456789012")))
	if !ok {
		t.Fatal("a SHA256 entry did not parse")
	}
	for at, want := range map[int64]string{59: "46119246", 1111111109: "68084774", 1234567890: "91819424"} {
		if got := f.code(at / 30); got != want {
			t.Errorf("code at %d: %s, want %s", at, got, want)
		}
	}
}

// TestSecondFactorsAsPVEDecides: whether a password login needs a second
// factor is proxmox-tfa's TfaUserData::is_empty (any entry of any kind,
// enabled or not), an otp sent for a user without one fails
// (authenticate_2nd_new_do: "no such challenge"), and a tfa.cfg that does
// not parse fails every login (parse_priv_tfa_config dies).
func TestSecondFactorsAsPVEDecides(t *testing.T) {
	sim := startSim(t, Options{})
	pw := sim.Info().Password
	login := func(form url.Values) apiResponse {
		form.Set("username", "root@pam")
		return callWith(t, sim, http.MethodPost, "/access/ticket", form, nil)
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("proximity-tfa-secret"))
	for _, c := range []struct {
		name, user string
		needTFA    bool
	}{
		{"no entry", `{}`, false},
		{"a SHA256 TOTP", `{"totp":[{"id":"a","entry":"otpauth://totp/x?algorithm=SHA256&secret=` + secret + `"}]}`, true},
		{"a disabled TOTP only", `{"totp":[{"id":"a","enable":false,"entry":"otpauth://totp/x?secret=` + secret + `"}]}`, true},
		{"WebAuthn only", `{"webauthn":[{"id":"w","entry":{}}]}`, true},
		{"recovery keys only", `{"recovery":{"secret":"00","entries":[]}}`, true},
	} {
		cfg := `{"users":{"root@pam":` + c.user + `}}`
		if err := sim.cfs.WriteFile(tfaCfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		r := login(url.Values{"password": {pw}})
		got := r.Status == 200 && mustMap(t, data(r))["NeedTFA"] == float64(1)
		if r.Status != 200 || got != c.needTFA {
			t.Errorf("%s: %d %s, want NeedTFA=%v", c.name, r.Status, r.Raw, c.needTFA)
		}
	}
	if err := sim.cfs.WriteFile(tfaCfgPath, []byte(`{"users":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := login(url.Values{"password": {pw}, "otp": {"totp:123456"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("otp for a user without a second factor: %d, want 401 (no such challenge)", r.Status)
	}
	if err := sim.cfs.WriteFile(tfaCfgPath, []byte(`{"users":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := login(url.Values{"password": {pw}}); r.Status != http.StatusUnauthorized {
		t.Errorf("login with a tfa.cfg that does not parse: %d, want 401", r.Status)
	}
}
