package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestPlanShowsEnvironmentHidesSecrets reads `terraform plan` as a person
// reviewing it does: the values of environment are there, those of
// secret_environment are not (Terraform prints "(sensitive value)"), and the
// provider's own trace log of the apply (TF_LOG_PROVIDER=TRACE) holds no
// secret either. A credential set in environment draws the warning that
// says to move it, and moving it there with its value plans an update that
// runs no step. Before, environment was sensitive as a whole: the plan
// showed no value of it.
func TestPlanShowsEnvironmentHidesSecrets(t *testing.T) {
	const secret = "hidden-s3cret-value"
	sim := pvesimtest.Start(t, pvesim.Options{})
	resource := func(environment, secretEnvironment string) string {
		return `
resource "proximity_application" "notify" {
  catalog_id         = "gotify"
  hostname           = "notify"
  environment        = ` + environment + `
  secret_environment = ` + secretEnvironment + `
}
`
	}
	c := newCLI(t, sim, resource(`{ TZ = "Europe/Paris" }`, `{ GOTIFY_DEFAULTUSER_PASS = "`+secret+`" }`))
	out := c.must("plan", "-input=false", "-no-color")
	for _, want := range []string{`"TZ" = "Europe/Paris"`, `secret_environment = (sensitive value)`} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Fatalf("the plan shows the secret:\n%s", out)
	}

	logFile := filepath.Join(t.TempDir(), "provider.log")
	c.env = append(c.env, "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH="+logFile)
	if out := c.apply(); strings.Contains(out, secret) {
		t.Errorf("the apply's output shows the secret:\n%s", out)
	}
	c.env = c.env[:len(c.env)-2]
	log, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(log), "deployment step finished") {
		t.Fatalf("no provider trace log of the apply (%v)", err)
	}
	if strings.Contains(string(log), secret) {
		t.Errorf("the provider's trace log holds the secret")
	}
	c.planIsEmpty()

	// The secret moved to environment: a warning names it, and the plan is
	// an update that runs no step (deployment_log stays).
	write(t, filepath.Join(c.dir, "main.tf"), mainTF(t, c, resource(`{ TZ = "Europe/Paris", GOTIFY_DEFAULTUSER_PASS = "`+secret+`" }`, `null`)))
	out = c.must("plan", "-input=false", "-no-color", "-out=moved.tfplan")
	out = strings.Join(strings.Fields(out), " ") // the CLI wraps diagnostics at 80 columns
	for _, want := range []string{"Warning: Secret in environment", "GOTIFY_DEFAULTUSER_PASS is set in environment", "Move it to secret_environment"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	changed := plannedChange(t, c, "moved.tfplan", "proximity_application.notify").changed()
	if strings.Join(changed, " ") != "environment secret_environment" {
		t.Errorf("moving a key changes %v, want environment and secret_environment alone (no new operation, no services read again)", changed)
	}
}

// mainTF is the working directory's main.tf with its resources replaced.
func mainTF(t *testing.T, c *cli, resources string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(c.dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(text), "\nresource ")
	return head + "\n" + resources
}
