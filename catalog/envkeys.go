package catalog

import (
	"regexp"
	"sort"
	"strings"
)

// reference finds the variables a compose value interpolates: ${NAME},
// ${NAME:-default}, $NAME. An escaped $$ is a literal dollar, no reference.
var reference = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)`)

// EnvironmentKeys lists the variable names the app knows: those of its
// catalog environment, those its compose document interpolates, and those
// its services set in their own environment. A configured key outside
// them reaches no setting the app is known to read.
func (a *App) EnvironmentKeys() []string {
	seen := map[string]bool{}
	for k := range a.Environment {
		seen[k] = true
	}
	for _, names := range a.ServiceKeys() {
		for k := range names {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ServiceKeys is, for each compose service, the variable names its
// definition interpolates anywhere and those its own environment sets:
// the keys that service reads.
func (a *App) ServiceKeys() map[string]map[string]bool {
	services, _ := a.DockerCompose["services"].(map[string]any)
	out := make(map[string]map[string]bool, len(services))
	for name, raw := range services {
		seen := map[string]bool{}
		collectReferences(raw, seen)
		svc, _ := raw.(map[string]any)
		switch env := svc["environment"].(type) {
		case map[string]any:
			for k := range env {
				seen[k] = true
			}
		case []any:
			for _, e := range env {
				if s, ok := e.(string); ok {
					k, _, _ := strings.Cut(s, "=")
					seen[k] = true
				}
			}
		}
		out[name] = seen
	}
	return out
}

// collectReferences adds the variables v interpolates to seen.
func collectReferences(v any, seen map[string]bool) {
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, m := range reference.FindAllStringSubmatch(t, -1) {
				if name := m[1] + m[2]; name != "" {
					seen[name] = true
				}
			}
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
}

// ClosestKey is the known name nearest to a mistyped one, by edit distance
// ignoring case; "" when none is known.
func ClosestKey(key string, known []string) string {
	best, bestScore := "", -1
	for _, k := range known {
		score := editDistance(strings.ToUpper(key), strings.ToUpper(k))
		if bestScore < 0 || score < bestScore {
			best, bestScore = k, score
		}
	}
	return best
}
