package catalog

import (
	"regexp"
	"slices"
	"sort"
)

// placeholder matches the defaults catalogs publish for values each
// installation must choose itself: change-me-db, changeme, CHANGE_ME,
// change-me-please, base64:change-me-32-byte-key-base64=. It is the one
// rule of what a placeholder is: the provider, the deployment layer and the
// catalog tests all ask LooksLikePlaceholder or SecretKeys.
var placeholder = regexp.MustCompile(`(?i)(^|[^a-z])change[-_ ]?me`)

// LooksLikePlaceholder reports whether a default value is a placeholder
// that must never be deployed as it is.
func LooksLikePlaceholder(value string) bool {
	return placeholder.MatchString(value)
}

// SecretKeys lists, sorted, the environment keys of the app whose defaults
// no application may run with: those its secrets field lists, and every key
// whose default looks like a placeholder. The second part is what makes a
// Proximity 1.0 catalog safe as it is: 1.0 has no secrets field, and its
// catalogs publish defaults such as change-me-please.
func (a *App) SecretKeys() []string {
	keys := slices.Clone(a.Secrets)
	for key, value := range a.Environment {
		if LooksLikePlaceholder(value) && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// IsSecret reports whether key is one of the app's secrets (SecretKeys):
// its default is a placeholder, replaced by a random value per application.
func (a *App) IsSecret(key string) bool {
	return slices.Contains(a.Secrets, key) || LooksLikePlaceholder(a.Environment[key])
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
