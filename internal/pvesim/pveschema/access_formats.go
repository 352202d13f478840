package pveschema

import (
	"fmt"
	"regexp"
)

// The formats of PVE's access control, with the messages of their
// verifiers (PVE::Auth::Plugin::verify_username, AccessControl.pm's
// pve_verify_tokenid, verify_groupname, verify_rolename, verify_poolname).
var (
	userIDRe  = regexp.MustCompile(`^[^\s:/]+@[A-Za-z][A-Za-z0-9\.\-_]+$`)
	tokenIDRe = regexp.MustCompile(`^[^\s:/]+@[A-Za-z][A-Za-z0-9\.\-_]+![A-Za-z][A-Za-z0-9\.\-_]+$`)
	groupRe   = regexp.MustCompile(`^[A-Za-z0-9\.\-_]+$`)
	poolRe    = regexp.MustCompile(`^[A-Za-z0-9\.\-_]+(?:/[A-Za-z0-9\.\-_]+){0,2}$`)
	// PVE::Tools::EMAIL_RE.
	emailRe = regexp.MustCompile(`^[\w\+\-\~]+(\.[\w\+\-\~]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*$`)
)

func checkAccessFormat(format, value string) string {
	switch format {
	case "pve-userid":
		switch {
		case len(value) < 3:
			return fmt.Sprintf("user name '%s' is too short", value)
		case len(value) > 64:
			return fmt.Sprintf("user name '%s' is too long (%d > 64)", value, len(value))
		case !userIDRe.MatchString(value):
			return fmt.Sprintf("value '%s' does not look like a valid user name", value)
		}
	case "pve-tokenid":
		if !tokenIDRe.MatchString(value) {
			return fmt.Sprintf("value '%s' does not look like a valid token ID", value)
		}
	case "pve-groupid":
		if !groupRe.MatchString(value) {
			return fmt.Sprintf("group name '%s' contains invalid characters", value)
		}
	case "pve-roleid":
		if !groupRe.MatchString(value) {
			return fmt.Sprintf("role name '%s' contains invalid characters", value)
		}
	case "email":
		if !emailRe.MatchString(value) {
			return "value does not look like a valid email address"
		}
	case "pve-poolid":
		if !poolRe.MatchString(value) {
			return fmt.Sprintf("pool name '%s' contains invalid characters", value)
		}
	}
	return ""
}
