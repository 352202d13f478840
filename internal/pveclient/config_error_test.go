package pveclient

import (
	"errors"
	"testing"
)

// TestConfigErrors: a Config that cannot work names its field; the provider
// turns the field into its attribute (TestLowerLayerErrorDiagnostics).
func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     Config
		field   string
		message string
	}{
		{"no credentials", Config{Endpoint: "https://pve:8006"}, "APIToken", "no credentials: give an API token, or a username and password"},
		{"no PEM", Config{Endpoint: "https://pve:8006", APIToken: "root@pam!tf=x", CACertPEM: "hello"}, "CACertPEM",
			"the CA certificate text holds no PEM certificate"},
	} {
		_, err := New(c.cfg)
		var cfgErr *ConfigError
		if !errors.As(err, &cfgErr) || cfgErr.Field != c.field || err.Error() != c.message {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
