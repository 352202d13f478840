package pveclient

import (
	"net/http"
	"strings"
)

// tfaResponse is the otp a login sends. PVE 7 and later take a TFA response
// typed by its prefix ("totp:123456", "recovery:..."; proxmox-tfa's
// TfaResponse) and refuse a bare code, which is what users copy from their
// authenticator app and what PVE 6 took: a code of digits alone is TOTP.
func tfaResponse(otp string) string {
	if otp != "" && strings.Trim(otp, "0123456789") == "" {
		return "totp:" + otp
	}
	return otp
}

// needTFAError is a password login that PVE accepted only as its first step:
// the user has a second factor (NeedTFA) and no otp was sent. The ticket of
// that answer authenticates nothing, so the login fails here, as a refusal
// of the credentials, saying what is missing.
func needTFAError(user string) error {
	return &APIError{Method: http.MethodPost, Path: "/access/ticket", Status: http.StatusUnauthorized,
		Message: "user " + user + " has two-factor authentication: the login needs the current one-time password (TOTP code) as otp"}
}
