package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// commandAttempts bounds the retries of a failing in-container command:
// every command the pipeline runs is safe to repeat (package installs,
// mkdir -p, pct push, compose up -d), and mirrors and registries fail now and then.
const commandAttempts = 5

// inContainer runs argv in the container, retrying a failure a few times,
// and fails with the command's output.
func (d *Service) inContainer(ctx context.Context, node string, vmid int, argv ...string) error {
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		return nil
	})
}

// output runs argv in the container and returns its stdout, retrying failures.
func (d *Service) output(ctx context.Context, node string, vmid int, argv ...string) (string, error) {
	var out string
	err := retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		out = res.Stdout
		return nil
	})
	return out, err
}

func retryCommand(ctx context.Context, fn func() error) error {
	var err error
	for attempt, delay := 1, 200*time.Millisecond; ; attempt, delay = attempt+1, 2*delay {
		if err = fn(); err == nil || attempt == commandAttempts || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// installRuntime installs Docker and compose unless present, and returns the
// compose command to use.
func (d *Service) installRuntime(ctx context.Context, node string, vmid int) ([]string, error) {
	// A probe, not retried: failing is its usual answer on a new container.
	probe, err := d.Nodes.Run(ctx, node, PctExec(vmid, "sh", "-c", "docker compose version && docker info"), nil)
	if err != nil {
		return nil, err
	}
	if probe.ExitCode == 0 {
		return []string{"docker", "compose"}, nil
	}
	osRelease, err := d.output(ctx, node, vmid, "cat", "/etc/os-release")
	if err != nil {
		return nil, err
	}
	// One command at a time, so that a retry repeats only what failed.
	steps := [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "docker.io", "docker-compose"}}
	compose := []string{"docker-compose"}
	if strings.Contains(osRelease, "ID=alpine") {
		steps = [][]string{
			{"apk", "add", "--no-cache", "docker", "docker-cli-compose"},
			{"rc-update", "add", "docker", "default"},
			{"service", "docker", "start"},
		}
		compose = []string{"docker", "compose"}
	}
	for _, argv := range steps {
		if err := d.inContainer(ctx, node, vmid, argv...); err != nil {
			return nil, fmt.Errorf("installing Docker: %w", err)
		}
	}
	return compose, d.inContainer(ctx, node, vmid, "docker", "info")
}

// pushFile writes a file into the container through the node: the content
// travels on stdin, never on a command line.
func (d *Service) pushFile(ctx context.Context, node string, vmid int, dir, name string, content []byte) error {
	if err := d.inContainer(ctx, node, vmid, "mkdir", "-p", dir); err != nil {
		return err
	}
	tmp := fmt.Sprintf("/tmp/proximity-%d-%s", vmid, name)
	script := "cat > " + Quote(tmp) + " && " + Command("pct", "push", strconv.Itoa(vmid), tmp, dir+"/"+name, "--perms", "0600") +
		"; status=$?; rm -f " + Quote(tmp) + "; exit $status"
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, script, strings.NewReader(string(content)))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pct push exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return nil
	})
}

func (d *Service) checkServices(ctx context.Context, node string, vmid int, compose []string, entry *catalog.App) (string, error) {
	ps, err := d.output(ctx, node, vmid, append(compose, "-p", entry.ID, "ps", "--format", "json")...)
	if err != nil {
		return "", err
	}
	running := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(ps), "\n") {
		var svc struct{ Service, State string }
		if json.Unmarshal([]byte(line), &svc) == nil && svc.State == "running" {
			running[svc.Service] = true
		}
	}
	var missing []string
	for _, name := range entry.ServiceNames() {
		if !running[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("services not running after compose up: %s", strings.Join(missing, ", "))
	}
	return strings.Join(entry.ServiceNames(), ", ") + " running", nil
}

// composeCommand finds how the container runs compose: the docker plugin
// (Alpine's docker-cli-compose) or the standalone docker-compose (Debian's).
// Neither answering is a failure, retried like any command.
func (d *Service) composeCommand(ctx context.Context, node string, vmid int) ([]string, error) {
	out, err := d.output(ctx, node, vmid, "sh", "-c",
		"if docker compose version >/dev/null 2>&1; then echo plugin; elif docker-compose version >/dev/null 2>&1; then echo standalone; else exit 1; fi")
	if err != nil {
		return nil, fmt.Errorf("finding docker compose in CT %d: %w", vmid, err)
	}
	if strings.TrimSpace(out) == "standalone" {
		return []string{"docker-compose"}, nil
	}
	return []string{"docker", "compose"}, nil
}
