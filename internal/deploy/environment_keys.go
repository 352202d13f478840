package deploy

import (
	"fmt"
	"slices"
	"sort"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// UnusedKey is a configured environment key the app does not use: neither
// its catalog environment nor its compose document names it (a typo, most
// often, which would otherwise deploy silently with the default in force).
type UnusedKey struct {
	Key     string
	Closest string // the known key nearest to it, "" when the app knows none
}

// Problem says what is wrong with the key and what to do.
func (u UnusedKey) Problem(appID string) string {
	text := fmt.Sprintf("%s is not used by %s: neither its catalog environment nor its compose file names it, so no service reads it "+
		"through the compose file", u.Key, appID)
	if u.Closest != "" {
		text += fmt.Sprintf(" (did you mean %s?)", u.Closest)
	}
	return text + "."
}

// UnusedEnvironment lists the keys of env the app does not use, sorted.
func UnusedEnvironment(entry *catalog.App, env map[string]string) []UnusedKey {
	known := entry.EnvironmentKeys()
	var out []UnusedKey
	for key := range env {
		if !slices.Contains(known, key) {
			out = append(out, UnusedKey{Key: key, Closest: catalog.ClosestKey(key, known)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
