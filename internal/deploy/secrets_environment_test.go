package deploy

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestLooksLikeCredential: a credential word as a whole part of the name,
// in any case, or a credential pair of parts; never a word inside a part.
func TestLooksLikeCredential(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "PASSWORD": true, "db_passwd": true, "MYSQL_ROOT_PASS": true, "ADMIN_TOKEN": true,
		"GITEA__security__SECRET_KEY": true, "SECRET_KEY_BASE": true, "OPENAI_API_KEY": true, "SSH_PRIVATE_KEY": true,
		"APP_KEY": true, "PAPERLESS_SECRETS": true, "S3_ACCESS_KEY": true, "GPG_PASSPHRASE": true,
		"TZ": false, "NGINX_HOST": false, "PASSENGER_APP_ENV": false, "TOKENIZER_MODEL": false, "BYPASS_CACHE": false,
		"KEY": false, "DB_PORT": false, "SECRETARY": false, "PASSWORDLESS": false, "PUBLIC_KEY": false,
	} {
		if got := LooksLikeCredential(name); got != want {
			t.Errorf("LooksLikeCredential(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestExposedSecrets: gitea's catalog secrets and credential-looking names
// set in the ordinary map are reported, sorted; ordinary settings are not.
func TestExposedSecrets(t *testing.T) {
	app := embeddedApp(t, "gitea")
	if !app.IsSecret("DB_PASSWORD") {
		t.Fatal("gitea's DB_PASSWORD is no catalog secret any more; pick another key")
	}
	got := ExposedSecrets(app, map[string]string{"DB_PASSWORD": "x", "MAILER_TOKEN": "y", "TZ": "UTC", "GITEA__server__DOMAIN": "git"})
	if want := []string{"DB_PASSWORD", "MAILER_TOKEN"}; !slices.Equal(got, want) {
		t.Errorf("ExposedSecrets = %v, want %v", got, want)
	}
}

// TestJoinEnvironment: both maps in one; the same settings split otherwise
// join to the same environment (no redeploy for a key moved between them).
func TestJoinEnvironment(t *testing.T) {
	a := JoinEnvironment(map[string]string{"TZ": "UTC", "DB_PASSWORD": "p"}, nil)
	b := JoinEnvironment(map[string]string{"TZ": "UTC"}, map[string]string{"DB_PASSWORD": "p"})
	if !maps.Equal(a, b) || len(a) != 2 {
		t.Errorf("JoinEnvironment: %v and %v, want the same two keys", a, b)
	}
	if env := JoinEnvironment(nil, nil); env == nil || len(env) != 0 {
		t.Errorf("JoinEnvironment of nothing = %#v, want an empty map", env)
	}
}

// TestDuplicateKeys lists the keys of both maps, sorted.
func TestDuplicateKeys(t *testing.T) {
	got := DuplicateKeys(map[string]string{"B": "1", "A": "1", "C": "1"}, map[string]string{"C": "2", "A": "2", "D": "2"})
	if want := []string{"A", "C"}; !slices.Equal(got, want) {
		t.Errorf("DuplicateKeys = %v, want %v", got, want)
	}
}

// TestSplitEnvironment: an import's environment goes where a configuration
// that heeds the plan's warnings has it.
func TestSplitEnvironment(t *testing.T) {
	app := embeddedApp(t, "gitea")
	ordinary, secret := SplitEnvironment(app, map[string]string{"DB_PASSWORD": "x", "ADMIN_TOKEN": "y", "TZ": "UTC"})
	if !maps.Equal(ordinary, map[string]string{"TZ": "UTC"}) || !maps.Equal(secret, map[string]string{"DB_PASSWORD": "x", "ADMIN_TOKEN": "y"}) {
		t.Errorf("SplitEnvironment = %v, %v", ordinary, secret)
	}
	if o, s := SplitEnvironment(app, nil); o != nil || s != nil {
		t.Errorf("SplitEnvironment(nil) = %v, %v, want nil, nil", o, s)
	}
}

// TestWithoutOutput: an error of the command that read the compose file
// keeps its exit code and standard error, never the file it printed.
func TestWithoutOutput(t *testing.T) {
	inner := errors.New("sh exited 1: cat: read error\n" +
		"/opt/proximity/gitea/compose.yaml:services:\n  db:\n    environment:\n      DB_PASSWORD: hunter2-s3cret")
	err := withoutOutput(inner, "/opt/proximity/gitea/compose.yaml:")
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "cat: read error") || !errors.Is(err, inner) {
		t.Errorf("withoutOutput = %q", err)
	}
	if other := errors.New("ssh: handshake failed"); withoutOutput(other, "/x:") != other {
		t.Error("an error without the output is not kept as it is")
	}
}
