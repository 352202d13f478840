package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// providerBin is the provider built once for the whole package.
var providerBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		return m.Run() // as with terraform-plugin-testing, CLI tests run only with TF_ACC
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		fmt.Fprintln(os.Stderr, "TF_ACC is set but TF_ACC_TERRAFORM_PATH is not: set it to a terraform or tofu binary (make test does)")
		return 1
	}
	dir, err := os.MkdirTemp("", "proximity-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	providerBin = filepath.Join(dir, "terraform-provider-proximity")
	_, self, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", providerBin, ".")
	build.Dir = filepath.Join(filepath.Dir(self), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the provider: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// cli is one working directory with its own CLI configuration, pointed at a
// simulator through the provider's environment variables.
type cli struct {
	t    testing.TB
	path string // the terraform or tofu binary
	dir  string
	env  []string
}

func newCLI(t testing.TB, sim *pvesim.Simulator, config string) *cli {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		// The same rule as terraform-plugin-testing's acceptance tests:
		// `make test` and .ci/run set TF_ACC, so these always run there.
		t.Skip("runs the Terraform CLI: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	dir := t.TempDir()
	binDir := filepath.Dir(providerBin)
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/proximity-project/proximity", binDir, "registry.opentofu.org/proximity-project/proximity", binDir)
	write(t, filepath.Join(dir, "cli.tfrc"), overrides)
	write(t, filepath.Join(dir, "main.tf"), `terraform {
  required_providers {
    proximity = { source = "registry.terraform.io/proximity-project/proximity" }
  }
}

variable "ssh_host_key" { type = string }
variable "ssh_nodes" { type = map(string) }

provider "proximity" {
  ssh = {
    host_key = var.ssh_host_key
    nodes    = var.ssh_nodes
  }
}
`+config)
	info := sim.Info()
	nodes, _ := json.Marshal(info.SSHNodes)
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+filepath.Join(dir, "cli.tfrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"PROXIMITY_ENDPOINT="+info.Endpoint, "PROXIMITY_API_TOKEN="+info.PVEAdminAPIToken, "PROXIMITY_CA_CERT_PEM="+info.CACertPEM,
		"PROXIMITY_ALLOCATION_STORE=local", "PROXIMITY_ALLOCATION_FILE="+filepath.Join(dir, "allocations.json"),
		"PROXIMITY_SSH_PRIVATE_KEY="+info.SSHPrivateKey, "TF_VAR_ssh_host_key="+info.SSHHostKey, "TF_VAR_ssh_nodes="+string(nodes),
	)
	return &cli{t: t, path: path, dir: dir, env: env}
}

func write(t testing.TB, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// command is the CLI in its own process group, so that a kill reaches the
// provider plugin it starts too.
func (c *cli) command(args ...string) (*exec.Cmd, *output) {
	cmd := exec.Command(c.path, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, out
}

// output collects a running command's output, readable while it runs.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// run runs the CLI to the end and returns its exit code and output.
func (c *cli) run(args ...string) (int, string) {
	c.t.Helper()
	cmd, out := c.command(args...)
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		c.t.Fatalf("%s %s: %v", c.path, strings.Join(args, " "), err)
	}
	return 0, out.String()
}

// must runs the CLI and fails the test unless it exits 0.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out := c.run(args...)
	if code != 0 {
		c.t.Fatalf("%s %s exited %d:\n%s", filepath.Base(c.path), strings.Join(args, " "), code, out)
	}
	return out
}

func (c *cli) apply() string {
	c.t.Helper()
	return c.must("apply", "-auto-approve", "-input=false", "-no-color")
}

// planIsEmpty fails the test unless a plan finds nothing to do.
func (c *cli) planIsEmpty() {
	c.t.Helper()
	if code, out := c.run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		c.t.Fatalf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}
}

// stateList returns the resource addresses in the state.
func (c *cli) stateList() []string {
	c.t.Helper()
	return strings.Fields(c.must("state", "list"))
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
