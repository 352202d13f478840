package catalog

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// TestEmbeddedPlaceholdersAreSecrets: every default of the embedded catalog
// that looks like a placeholder password (change-me-*) is marked as a
// secret, so that no application is ever deployed with it; and every mark
// names a placeholder, so no real default is replaced by a random value.
func TestEmbeddedPlaceholdersAreSecrets(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, a := range c.Apps() {
		for key, value := range a.Environment {
			switch {
			case LooksLikePlaceholder(value) && !slices.Contains(a.Secrets, key):
				t.Errorf("%s: environment %s = %q is a placeholder but not listed in secrets", a.Source, key, value)
			case !LooksLikePlaceholder(value) && slices.Contains(a.Secrets, key):
				t.Errorf("%s: secrets lists %s, whose default %q is not a placeholder", a.Source, key, value)
			case a.IsSecret(key):
				marked++
			}
		}
	}
	if marked == 0 {
		t.Fatal("no secret is marked in the embedded catalog")
	}
}

func TestLooksLikePlaceholder(t *testing.T) {
	for value, want := range map[string]bool{
		"change-me-db": true, "CHANGEME": true, "change_me": true, "base64:change-me-32-byte-key-base64=": true,
		"change-me-please": true, "changeme": true, "please-changeme": true,
		"nextcloud": false, "admin@example.com": false, "": false, "exchange-metrics": false,
	} {
		if got := LooksLikePlaceholder(value); got != want {
			t.Errorf("LooksLikePlaceholder(%q) = %v, want %v", value, got, want)
		}
	}
}

// TestSecretMustBeAnEnvironmentKey: a secret the environment lacks is a
// mistake in the file, reported with the field.
func TestSecretMustBeAnEnvironmentKey(t *testing.T) {
	a, err := decodeApp([]byte(`{"id":"x","name":"X","category":"Utilities","environment":{"A":"change-me"},"secrets":["B"],
		"docker_compose":{"services":{"x":{"image":"nginx:1.27.4"}}}}`), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	var fe *FileError
	if err := a.Validate("x", nil); !errors.As(err, &fe) || fe.Field != "secrets" {
		t.Fatalf("Validate = %v, want an error on the field secrets", err)
	}
}

// TestV1CatalogPlaceholdersAreSecrets: a Proximity 1.0 catalog has no
// secrets field, and its defaults change-me-please and changeme are secrets
// all the same; an ordinary default (TZ) is none. Before, SecretKeys read
// the secrets field alone and such an app deployed its placeholders.
func TestV1CatalogPlaceholdersAreSecrets(t *testing.T) {
	c, err := Load([]string{filepath.Join("testdata", "v1-placeholders")})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.Get("notes")
	if !ok {
		t.Fatal("notes not loaded")
	}
	if len(a.Secrets) != 0 {
		t.Fatalf("the 1.0 file lists secrets %v; it must have none for this test", a.Secrets)
	}
	if got, want := a.SecretKeys(), []string{"ADMIN_PASSWORD", "DB_PASSWORD"}; !slices.Equal(got, want) {
		t.Errorf("SecretKeys = %v, want %v", got, want)
	}
	if a.IsSecret("TZ") || !a.IsSecret("DB_PASSWORD") {
		t.Errorf("IsSecret(TZ) = %v, IsSecret(DB_PASSWORD) = %v", a.IsSecret("TZ"), a.IsSecret("DB_PASSWORD"))
	}
}

// TestSecretKeysJoinsListAndPlaceholders: a listed key is a secret even if
// its default reads as an ordinary value, and the list is sorted without
// duplicates.
func TestSecretKeysJoinsListAndPlaceholders(t *testing.T) {
	a := &App{Environment: map[string]string{"B": "change-me", "A": "hunter2", "C": "x"}, Secrets: []string{"B", "A"}}
	if got, want := a.SecretKeys(), []string{"A", "B"}; !slices.Equal(got, want) {
		t.Errorf("SecretKeys = %v, want %v", got, want)
	}
}
