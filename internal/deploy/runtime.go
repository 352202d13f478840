package deploy

import (
	"context"
	"fmt"
	"strings"
)

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
