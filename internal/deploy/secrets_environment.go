package deploy

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// An application's configuration sets its environment in two maps: the
// ordinary settings, which plans show, and the secret ones, which they hide.
// Both reach the app the same way: JoinEnvironment merges them before
// anything else reads them (routing to services, unused keys, redeploys,
// restore, the compose file), so moving a key from one to the other with
// the same value changes nothing in the container.

// JoinEnvironment is the application's environment: the ordinary settings
// and the secret ones in one map, never nil. A key in both is a mistake the
// plan reports (DuplicateKeys) before this is ever called.
func JoinEnvironment(ordinary, secret map[string]string) map[string]string {
	out := make(map[string]string, len(ordinary)+len(secret))
	maps.Copy(out, ordinary)
	maps.Copy(out, secret)
	return out
}

// DuplicateKeys lists, sorted, the keys set in both maps: the app would get
// one value, and which one is not for the configuration to guess.
func DuplicateKeys(ordinary, secret map[string]string) []string {
	var out []string
	for k := range secret {
		if _, both := ordinary[k]; both {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ExposedSecrets lists, sorted, the keys of the ordinary settings that look
// secret: the catalog declares them secrets (catalog.App.IsSecret), or their
// name has a credential word (LooksLikeCredential). Their values show in
// every plan; they belong in the secret map.
func ExposedSecrets(entry *catalog.App, ordinary map[string]string) []string {
	var out []string
	for k := range ordinary {
		if entry.IsSecret(k) || LooksLikeCredential(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// SplitEnvironment sorts the environment an application runs with (an
// import's) into the two maps by ExposedSecrets's rule: what looks secret
// goes to the secret map, the rest to the ordinary one. Nothing in the
// container says in which map a key was configured; this puts every key
// that follows the rule where a configuration that heeds the plan's
// warnings has it.
func SplitEnvironment(entry *catalog.App, env map[string]string) (ordinary, secret map[string]string) {
	for k, v := range env {
		m := &ordinary
		if entry.IsSecret(k) || LooksLikeCredential(k) {
			m = &secret
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
	}
	return ordinary, secret
}

// credentialWords are the parts of a variable name (split at "_") that mark
// a credential; credentialPairs the two-part ones (API_KEY), whose second
// part alone (KEY) says too little.
var (
	credentialWords = []string{
		"PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS",
		"CREDENTIAL", "CREDENTIALS", "APIKEY", "SALT",
	}
	credentialPairs = regexp.MustCompile(`^(API|PRIVATE|ACCESS|AUTH|ENCRYPTION|SIGNING|APP|MASTER|LICENSE|CLIENT|SESSION)_KEY$`)
)

// LooksLikeCredential reports whether a variable name says it holds a
// credential: one of its parts, split at "_" and in any case, is a
// credential word (DB_PASSWORD, GITEA__security__SECRET_KEY, ADMIN_TOKEN),
// or two adjacent parts are a credential pair (API_KEY, PRIVATE_KEY). A word
// inside a part (PASSENGER, TOKENIZER, BYPASS) is none.
func LooksLikeCredential(name string) bool {
	parts := strings.Split(strings.ToUpper(name), "_")
	for i, part := range parts {
		if slices.Contains(credentialWords, part) {
			return true
		}
		if i > 0 && credentialPairs.MatchString(parts[i-1]+"_"+part) {
			return true
		}
	}
	return false
}
