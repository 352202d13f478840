package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccNoSecretsInTraceLog runs the provider with TF_LOG=trace, by token and
// by password, and fails if a secret shows up anywhere in the log.
func TestAccNoSecretsInTraceLog(t *testing.T) {
	sim := newSim(t, "")
	info := sim.Info()
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)

	byPassword := fmt.Sprintf("provider \"proximity\" {\n  endpoint = %q\n  username = \"root@pam\"\n  password = %q\n  ca_cert_pem = %q\n}\n", info.Endpoint, info.Password, info.CACertPEM)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: providerBlock(sim, "") + nodesConfig},
			{Config: byPassword + nodesConfig},
		},
	})
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The harness echoes the test's own .tf files into the log as "  | " lines;
	// they hold what the test wrote, not what the provider logged.
	var kept []string
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "  |") {
			kept = append(kept, line)
		}
	}
	log := strings.Join(kept, "\n")
	if !strings.Contains(log, "Proxmox request") || !strings.Contains(log, "path=/nodes") || !strings.Contains(log, "Proxmox login") {
		t.Fatalf("the trace log has no Proxmox request lines; the test would prove nothing (%d bytes)", len(raw))
	}
	_, tokenSecret, _ := strings.Cut(info.APIToken, "=")
	for name, secret := range map[string]string{
		"token secret": tokenSecret, "password": info.Password, "ticket": "PVE:root@pam:", "ticket cookie": "PVEAuthCookie",
		"CSRF header": "CSRFPreventionToken:", "SSH key": "PRIVATE KEY",
	} {
		if strings.Contains(log, secret) {
			t.Errorf("the %s appears in the trace log", name)
		}
	}
}
