package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccNoSecretsInTraceLog runs the provider with TF_LOG=trace, by token and
// by password, deploys an app with a secret environment and root passwords,
// and fails if a secret shows up anywhere in the log.
func TestAccNoSecretsInTraceLog(t *testing.T) {
	e := newSimEnv(t, "")
	info := e.info
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)

	byPassword := e.provider(withPasswordLogin(), withRetry(nil))
	web := application("web", "wordpress", "web").set("environment", `{ DB_PASSWORD = "env-s3cret-value" }`)
	app := func(b hclBlock) string { return config(rawHCL(e.appProvider()), b) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: e.provider() + nodesConfig},
			{Config: byPassword + nodesConfig},
			{Config: app(web.str("password", "root-s3cret-value"))},
			{Config: app(web.str("password_wo", "wo-s3cret-value").num("password_wo_version", 1))},
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
	if !strings.Contains(log, "Proxmox request") || !strings.Contains(log, "path=/nodes") || !strings.Contains(log, "Proxmox login") ||
		!strings.Contains(log, "step=\"set password\"") || !strings.Contains(log, "step=\"write compose file\"") {
		t.Fatalf("the trace log lacks the requests or the deployment steps; the test would prove nothing (%d bytes)", len(raw))
	}
	_, tokenSecret, _ := strings.Cut(info.PVEAdminAPIToken, "=")
	for name, secret := range map[string]string{
		"token secret": tokenSecret, "password": info.Password, "ticket": "PVE:root@pam:", "ticket cookie": "PVEAuthCookie",
		"CSRF header": "CSRFPreventionToken:", "SSH key": "PRIVATE KEY",
		"app environment": "env-s3cret-value", "root password": "root-s3cret-value", "write-only password": "wo-s3cret-value",
	} {
		if strings.Contains(log, secret) {
			t.Errorf("the %s appears in the trace log", name)
		}
	}
}
