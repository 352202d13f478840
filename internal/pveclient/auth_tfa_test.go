package pveclient

import "testing"

// TestTFAResponse: a bare code is typed as TOTP, as PVE 7+ needs; a typed
// response is sent as it is.
func TestTFAResponse(t *testing.T) {
	for in, want := range map[string]string{
		"123456": "totp:123456", "totp:123456": "totp:123456", "recovery:abcd-efgh": "recovery:abcd-efgh", "": "",
	} {
		if got := tfaResponse(in); got != want {
			t.Errorf("tfaResponse(%q) = %q, want %q", in, got, want)
		}
	}
}
