package catalog

import (
	"regexp"
	"slices"
)

// placeholder matches the defaults catalogs publish for values each
// installation must choose itself: change-me-db, changeme, CHANGE_ME,
// base64:change-me-32-byte-key-base64=.
var placeholder = regexp.MustCompile(`(?i)(^|[^a-z])change[-_ ]?me`)

// LooksLikePlaceholder reports whether a default value is a placeholder
// that must never be deployed as it is.
func LooksLikePlaceholder(value string) bool {
	return placeholder.MatchString(value)
}

// IsSecret reports whether key is one of the app's secrets: its default is
// a placeholder, replaced by a random value per application.
func (a *App) IsSecret(key string) bool {
	return slices.Contains(a.Secrets, key)
}

// checkSecrets makes sure every secret is a key of the environment, whose
// default says what the generated value replaces.
func (a *App) checkSecrets(fail func(field, format string, args ...any) error) error {
	for _, key := range a.Secrets {
		if _, ok := a.Environment[key]; !ok {
			return fail("secrets", "%q is not a key of environment; list only environment keys whose defaults are placeholders", key)
		}
	}
	return nil
}
