package catalog

import (
	"errors"
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
			case LooksLikePlaceholder(value) && !a.IsSecret(key):
				t.Errorf("%s: environment %s = %q is a placeholder but not listed in secrets", a.Source, key, value)
			case !LooksLikePlaceholder(value) && a.IsSecret(key):
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
