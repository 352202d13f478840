package deploy

import (
	"regexp"
	"strings"
)

// The rules for what users may put into a container's settings. Each value
// reaches PVE as part of a property string or a shell's input, so anything
// that could carry a second setting is refused here, once, and the provider
// reports it at plan time.

// bridgePattern is PVE's pve-bridge-id format: a bridge name alone, so that
// no ",tag=..." or ",firewall=..." can ride along into net0.
var bridgePattern = regexp.MustCompile(`^[-_.\w]+$`)

// CheckBridge returns the problem with a bridge name, or "".
func CheckBridge(name string) string {
	if !bridgePattern.MatchString(name) {
		return "must be a bridge name such as vmbr0 (letters, digits, - _ .); options such as tag= cannot be given here"
	}
	return ""
}

// CheckPassword returns the problem with a root password, or "". chpasswd
// reads one user:password per line, so a line break or NUL would start
// another user's line.
func CheckPassword(pw string) string {
	if strings.ContainsAny(pw, "\n\r\x00") {
		return "must not contain line breaks or NUL characters"
	}
	return ""
}

// IsReservedTag reports whether a tag belongs to Proximity's own metadata
// (proximity, px-app-*, px-pub-*, px-int-*, px-deploying, ...), which users
// may not set: it would change ports on import or pin the deploying mark.
func IsReservedTag(tag string) bool {
	return tag == TagProximity || strings.HasPrefix(tag, "px-")
}
