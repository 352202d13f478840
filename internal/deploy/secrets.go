package deploy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// The catalog says which environment defaults are placeholders
// (change-me-db): its secrets list, and any default that looks like one
// (catalog.SecretKeys), as in a Proximity 1.0 catalog. No application runs with them: each gets a
// random value of its own for every secret its configuration does not set,
// kept in the state (generated_secrets) so that it stays the same across
// updates, and taken from the backup on a restore, whose data was
// initialised with it.

// GeneratedSecrets is the generated value of each secret of the app that
// configured does not set: kept's value where it has one (the state's, or
// a backup's), else a new random one. It is nil when there is none.
func GeneratedSecrets(entry *catalog.App, configured, kept map[string]string) map[string]string {
	var out map[string]string
	for _, key := range entry.SecretKeys() {
		if _, set := configured[key]; set {
			continue // a value the user sets wins
		}
		if out == nil {
			out = map[string]string{}
		}
		if v, ok := kept[key]; ok {
			out[key] = v
		} else {
			out[key] = newSecret(entry.Environment[key])
		}
	}
	return out
}

// KeptSecrets is what GeneratedSecrets keeps when kept holds every value
// it needs, and ok false when some value would be new: a plan shows the
// kept values, and leaves new ones to the apply, which makes them.
func KeptSecrets(entry *catalog.App, configured, kept map[string]string) (_ map[string]string, ok bool) {
	var out map[string]string
	for _, key := range entry.SecretKeys() {
		if _, set := configured[key]; set {
			continue
		}
		v, found := kept[key]
		if !found {
			return nil, false
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = v
	}
	return out, true
}

// newSecret is a random value in the shape the placeholder asks for: 32
// random bytes, as hex (64 characters, enough for the longest key an app
// demands, netbox's 50), or in base64 after the placeholder's "base64:"
// prefix (Laravel's APP_KEY), which the app decodes to its 32-byte key.
func newSecret(placeholder string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	if strings.HasPrefix(placeholder, "base64:") {
		return "base64:" + base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// withSecrets is env with the generated values laid over it. They never
// hold a configured key (GeneratedSecrets), so they replace only the
// placeholders and the values the container ran with.
func withSecrets(env, generated map[string]string) map[string]string {
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, generated)
	return out
}

// RunningSecrets reads back the values of the app's secrets that configured
// does not set from the compose file in the container: after a restore,
// which keeps the backup's. nil when the app has no secret to generate.
func (d *Service) RunningSecrets(ctx context.Context, catalogID, node string, vmid int, configured map[string]string) (map[string]string, error) {
	entry, err := d.CatalogApp(catalogID)
	if err != nil {
		return nil, err
	}
	if GeneratedSecrets(entry, configured, nil) == nil {
		return nil, nil
	}
	running, err := d.runningEnvironment(ctx, entry, node, vmid)
	if err != nil {
		return nil, err
	}
	return runningSecrets(entry, running, configured), nil
}

// isGenerated reports whether value is one Proximity generates for the
// secret key of the app: newSecret's shape. An import reads it back as a
// generated secret; any other value of the key is the configuration's (or,
// when it is the placeholder, the default of an app deployed before secrets
// were generated).
func isGenerated(entry *catalog.App, key, value string) bool {
	if !entry.IsSecret(key) {
		return false
	}
	if raw, ok := strings.CutPrefix(value, "base64:"); ok && strings.HasPrefix(entry.Environment[key], "base64:") {
		b, err := base64.StdEncoding.DecodeString(raw)
		return err == nil && len(b) == 32
	}
	b, err := hex.DecodeString(value)
	return err == nil && len(b) == 32 && value == strings.ToLower(value)
}

// importedSecrets is the part of a running environment that is generated
// secrets; nil when there is none.
func importedSecrets(entry *catalog.App, running map[string]string) map[string]string {
	var out map[string]string
	for k, v := range running {
		if isGenerated(entry, k, v) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// runningSecrets is the part of a running environment that is generated
// secrets: the app's secrets configured does not set. A secret the file
// lacks gets none here: the caller's next change generates it.
func runningSecrets(entry *catalog.App, running, configured map[string]string) map[string]string {
	out := map[string]string{}
	for _, key := range entry.SecretKeys() {
		_, set := configured[key]
		if v, ok := running[key]; ok && !set {
			out[key] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
