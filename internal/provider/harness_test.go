package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestMain smooths over the environment quirks of the CI machines (see the
// README): a TF_CLI_CONFIG_FILE that does not exist makes the CLI print a
// warning before its version, which plugin-testing cannot parse, and OpenTofu
// needs the provider namespace.
func TestMain(m *testing.M) {
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			empty := filepath.Join(os.TempDir(), "proximity-empty.tfrc")
			if err := os.WriteFile(empty, nil, 0o600); err == nil {
				os.Setenv("TF_CLI_CONFIG_FILE", empty)
			}
		}
	}
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "proximity-project")
	}
	os.Exit(m.Run())
}

// requireAcc skips a test that counts what resource.Test runs produced when
// resource.Test itself would skip (TF_ACC unset), as plugin-testing does;
// make test and CI always set TF_ACC.
func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC set (make test)")
	}
}

// providerFactories serves the provider in-process to the Terraform CLI.
var providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"proximity": providerserver.NewProtocol6WithError(New("test")()),
}

// newSim starts a simulated cluster for one test, on random ports.
func newSim(t *testing.T, faults string) *pvesim.Simulator {
	t.Helper()
	return pvesimtest.Start(t, pvesim.Options{TimeScale: 0.01, Faults: faults})
}

// providerBlock connects to the simulator with its token and CA; extra is
// added inside the block.
func providerBlock(sim *pvesim.Simulator, extra string) string {
	info := sim.Info()
	return fmt.Sprintf(`
provider "proximity" {
  endpoint    = %q
  api_token   = %q
  ca_cert_pem = <<-EOT
%s
EOT
  retry = { max_attempts = 3, min_backoff = "10ms", max_backoff = "50ms" }
%s
}
`, info.Endpoint, info.PVEAdminAPIToken, info.CACertPEM, extra)
}

// errorLike matches an error message that the CLI may have wrapped over
// several lines: every space in pattern matches any run of whitespace.
func errorLike(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// appProviderBlock is a provider block for applications: SSH to the
// simulator's nodes and a local allocation file of the test's own.
func appProviderBlock(t *testing.T, sim *pvesim.Simulator) (block, file string) {
	file = filepath.Join(t.TempDir(), "allocations.json")
	return providerBlock(sim, sshBlock(sim)+fmt.Sprintf("allocation_store = \"local\"\nallocation_file = %q\n", file)), file
}
