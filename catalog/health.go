package catalog

import (
	"fmt"
	"strings"
)

// maxHealthPath bounds a health check path; a URL path this long is a
// mistake, not an endpoint.
const maxHealthPath = 1024

// CheckHealthPath checks an HTTP path for a health check (an entry's
// healthPath, an application's health_check.path): it starts with "/" and
// holds only the characters RFC 3986 allows in a path and query
// (unreserved, percent-encoded, sub-delims, ":", "@", "/", "?"): no
// spaces, control characters, quotes other than "'", backslashes or "#".
// The node script passes it quoted all the same (deploy's Quote).
func CheckHealthPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q must start with \"/\" (a path on the app's main port, such as /status.php)", p)
	case len(p) > maxHealthPath:
		return fmt.Errorf("is %d characters long, more than %d", len(p), maxHealthPath)
	}
	for _, r := range p {
		if !healthPathChar(r) {
			return fmt.Errorf("%q has %q, which a URL path cannot hold as such: percent-encode it (a space is %%20)", p, r)
		}
	}
	return nil
}

// healthPathChar tells whether r may appear in a path and query as is.
func healthPathChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~%!$&'()*+,;=:@/?", r)
}
