package deploy

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

func embeddedApp(t *testing.T, id string) *catalog.App {
	t.Helper()
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	app, ok := c.Get(id)
	if !ok {
		t.Fatalf("no catalog app %s", id)
	}
	return app
}

// TestGeneratedSecrets: every secret the configuration leaves out gets a
// random value, never the placeholder, different per application; a kept
// value stays; a configured one wins and gets no generated value.
func TestGeneratedSecrets(t *testing.T) {
	app := embeddedApp(t, "nextcloud")
	first := GeneratedSecrets(app, map[string]string{"NEXTCLOUD_ADMIN_PASSWORD": "mine"}, nil)
	if len(first) != 2 || first["DB_PASSWORD"] == "" || first["DB_ROOT_PASSWORD"] == "" {
		t.Fatalf("generated %d values, want DB_PASSWORD and DB_ROOT_PASSWORD: %v", len(first), keysOf(first))
	}
	if _, ok := first["NEXTCLOUD_ADMIN_PASSWORD"]; ok {
		t.Error("a configured secret got a generated value")
	}
	for k, v := range first {
		if catalog.LooksLikePlaceholder(v) || len(v) < 50 {
			t.Errorf("%s = %q: a placeholder or too short", k, v)
		}
	}
	second := GeneratedSecrets(app, nil, nil)
	if second["DB_PASSWORD"] == first["DB_PASSWORD"] {
		t.Error("two applications got the same generated password")
	}
	kept := GeneratedSecrets(app, nil, first)
	if kept["DB_PASSWORD"] != first["DB_PASSWORD"] || kept["DB_ROOT_PASSWORD"] != first["DB_ROOT_PASSWORD"] {
		t.Error("a kept value was replaced")
	}
	if kept["NEXTCLOUD_ADMIN_PASSWORD"] == "" {
		t.Error("a secret no longer configured got no value")
	}
	if GeneratedSecrets(embeddedApp(t, "nginx"), nil, nil) != nil {
		t.Error("an app without secrets got generated values")
	}
}

// TestGeneratedKeyInBase64: bookstack's APP_KEY is base64:<32 bytes>, as
// Laravel decodes it.
func TestGeneratedKeyInBase64(t *testing.T) {
	v := GeneratedSecrets(embeddedApp(t, "bookstack"), nil, nil)["APP_KEY"]
	raw, ok := strings.CutPrefix(v, "base64:")
	if b, err := base64.StdEncoding.DecodeString(raw); !ok || err != nil || len(b) != 32 {
		t.Fatalf("APP_KEY = %q: not base64: and 32 bytes (%v)", v, err)
	}
}

// TestRenderedSecretsReplacePlaceholders: the compose file of a create holds
// the generated values and no placeholder, and they read back as the
// running environment.
func TestRenderedSecretsReplacePlaceholders(t *testing.T) {
	app := embeddedApp(t, "nextcloud")
	secrets := GeneratedSecrets(app, nil, nil)
	out, err := RenderCompose(t.Context(), app, withSecrets(nil, secrets))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "change-me") {
		t.Fatalf("a placeholder is in the compose file:\n%s", out)
	}
	env, err := composeEnvironment(t.Context(), app, out)
	if err != nil {
		t.Fatal(err)
	}
	got, imported := runningSecrets(app, env, nil), importedSecrets(app, env)
	for k, v := range secrets {
		if got[k] != v || imported[k] != v {
			t.Errorf("%s reads back as %q, imports as %q, want the generated value", k, got[k], imported[k])
		}
	}
}

// TestImportedSecretsAreTheGeneratedOnes: an import takes a secret's value
// for a generated one only in the shape Proximity generates; a value a
// configuration set, or the placeholder of an app deployed before secrets
// were generated, is not one.
func TestImportedSecretsAreTheGeneratedOnes(t *testing.T) {
	app := embeddedApp(t, "bookstack")
	generated := GeneratedSecrets(app, nil, nil)
	running := map[string]string{
		"DB_PASSWORD": "mine", "DB_ROOT_PASSWORD": "change-me-root", "APP_KEY": generated["APP_KEY"], "TZ": generated["DB_PASSWORD"],
	}
	got := importedSecrets(app, running)
	if len(got) != 1 || got["APP_KEY"] != generated["APP_KEY"] {
		t.Errorf("imported %v, want APP_KEY alone", keysOf(got))
	}
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
