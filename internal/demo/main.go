// Command demo is `make demo`: it starts the Proxmox VE simulator (keeping its
// state in .demo/), builds the provider, points the Terraform or OpenTofu CLI
// at it with dev_overrides in a CLI config file of its own, applies
// examples/quickstart (two apps from the catalog and a backup of one), prints the outputs, and
// checks that a second plan is empty. Running it again finds the same cluster
// and plans no changes.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	work := filepath.Join(root, ".demo")
	for _, d := range []string{"bin", "quickstart"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o700); err != nil {
			return err
		}
	}

	step("finding a Terraform-compatible CLI (building OpenTofu once if there is none)")
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "ensure-tofu.sh")).Output()
	if err != nil {
		return fmt.Errorf("scripts/ensure-tofu.sh: %w", err)
	}
	cli := strings.TrimSpace(string(out))
	fmt.Println("    " + cli)

	step("building the provider")
	build := exec.Command("go", "build", "-o", filepath.Join(work, "bin", "terraform-provider-proximity"), ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	step("starting the simulated cluster (state in .demo/pvesim-state.json)")
	sim, err := pvesim.New(pvesim.Options{StatePath: filepath.Join(work, "pvesim-state.json"), TimeScale: 0.05, GuestNetwork: "127.10.0.0/16"})
	if err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return err
	}
	defer func() {
		if err := sim.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "saving the simulator state:", err)
		}
	}()
	info := sim.Info()
	fmt.Printf("    %s, nodes %s\n", info.Endpoint, strings.Join(info.Nodes, ", "))

	cliConfig := filepath.Join(work, "cli.tfrc")
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/proximity-project/proximity", filepath.Join(work, "bin"),
		"registry.opentofu.org/proximity-project/proximity", filepath.Join(work, "bin"))
	if err := os.WriteFile(cliConfig, []byte(overrides), 0o600); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(root, "examples", "quickstart", "main.tf"), filepath.Join(work, "quickstart", "main.tf")); err != nil {
		return err
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"PROXIMITY_ENDPOINT="+info.Endpoint, "PROXIMITY_API_TOKEN="+info.PVEAdminAPIToken, "PROXIMITY_CA_CERT_PEM="+info.CACertPEM,
		"PROXIMITY_ALLOCATION_STORE=local", "PROXIMITY_ALLOCATION_FILE="+filepath.Join(work, "allocations.json"),
		"PROXIMITY_SSH_PRIVATE_KEY="+info.SSHPrivateKey, "TF_VAR_ssh_host_key="+info.SSHHostKey, "TF_VAR_ssh_nodes="+mustJSON(info.SSHNodes),
	)
	tf := func(args ...string) (int, error) {
		cmd := exec.Command(cli, args...)
		cmd.Dir, cmd.Env = filepath.Join(work, "quickstart"), env
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = os.Stdout, &stderr
		err := cmd.Run()
		// dev_overrides always warns; show everything else.
		if s := stderr.String(); s != "" && !strings.Contains(s, "Provider development overrides are in effect") {
			fmt.Fprint(os.Stderr, s)
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), nil
		}
		return 0, err
	}

	step("applying examples/quickstart")
	if code, err := tf("apply", "-auto-approve", "-input=false", "-no-color"); err != nil || code != 0 {
		return fmt.Errorf("apply exited %d: %v", code, err)
	}
	step("refreshing: the gateway's routes as it serves them")
	if code, err := tf("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"); err != nil || code != 0 {
		return fmt.Errorf("refresh exited %d: %v", code, err)
	}
	step("opening every app's url and embed_url, as a browser on this machine would")
	if err := checkURLs(cli, filepath.Join(work, "quickstart"), env); err != nil {
		return err
	}
	step("planning again: the configuration must have converged")
	code, err := tf("plan", "-detailed-exitcode", "-input=false", "-no-color")
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("the second plan is not empty (exit %d)", code)
	}
	step("done: no changes pending; run `make demo` again to see the same cluster")
	return nil
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func step(msg string) { fmt.Println("==> " + msg) }

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o600)
}
