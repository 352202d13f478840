package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// composeTool is the compose a container runs, as the container answers
// `docker compose version` or `docker-compose version`, never as its
// distribution's name suggests.
type composeTool struct {
	argv    []string // docker compose, or docker-compose
	version string   // as `version --short` prints it: 2.36.2, 1.29.2
	// v1 is the python Compose 1.x (Debian 12's docker-compose 1.29.2): the
	// file it reads has no top-level name (composeV1File).
	v1 bool
}

func (t composeTool) String() string { return strings.Join(t.argv, " ") + " " + t.version }

// project is a compose command on the app's project: its file and its name.
func (t composeTool) project(dir, id string, args ...string) []string {
	argv := append([]string{}, t.argv...)
	argv = append(argv, "-f", dir+"/compose.yaml", "-p", id)
	return append(argv, args...)
}

// file is the rendered compose file as this compose reads it.
func (t composeTool) file(rendered []byte) ([]byte, error) {
	if t.v1 {
		return composeV1File(rendered)
	}
	return rendered, nil
}

// composeProbe prints which compose answers and its version: the docker
// plugin first (Compose v2 wherever a package ships it), then the
// standalone docker-compose (v1 on Debian 12, v2 on Debian 13).
const composeProbe = "if docker compose version >/dev/null 2>&1; then echo plugin; docker compose version --short; " +
	"elif docker-compose version >/dev/null 2>&1; then echo standalone; docker-compose version --short; else echo none; fi"

// findCompose asks the container for its compose; ok is false when it has
// none. "None" is asked again like a failed command (retryCommand): a
// `docker compose version` that failed once (a busy daemon, a passing
// fault) would otherwise read as a container without compose.
func (d *Service) findCompose(ctx context.Context, node string, vmid int) (tool composeTool, ok bool, err error) {
	errNone := errors.New("no compose answered")
	err = retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, "sh", "-c", composeProbe), nil)
		switch {
		case err != nil:
			return err
		case res.ExitCode != 0:
			return fmt.Errorf("sh exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		if tool, ok, err = parseComposeProbe(res.Stdout); err == nil && !ok {
			return errNone
		}
		return err
	})
	switch {
	case errors.Is(err, errNone):
		return tool, false, nil
	case err != nil:
		return tool, false, fmt.Errorf("finding docker compose in CT %d: %w", vmid, err)
	}
	return tool, ok, nil
}

// parseComposeProbe reads composeProbe's answer.
func parseComposeProbe(out string) (composeTool, bool, error) {
	lines := strings.Fields(out)
	if len(lines) == 0 || lines[0] == "none" {
		return composeTool{}, false, nil
	}
	tool := composeTool{argv: []string{"docker", "compose"}}
	if lines[0] == "standalone" {
		tool.argv = []string{"docker-compose"}
	}
	if len(lines) < 2 {
		return tool, false, fmt.Errorf("%s answered no version", strings.Join(tool.argv, " "))
	}
	tool.version = strings.TrimPrefix(lines[1], "v")
	tool.v1 = strings.HasPrefix(tool.version, "1.")
	return tool, true, nil
}

// installRuntime installs Docker and compose unless present, and returns the
// compose to use.
func (d *Service) installRuntime(ctx context.Context, node string, vmid int) (composeTool, error) {
	// A probe, not retried: failing is its usual answer on a new container.
	probe, err := d.Nodes.Run(ctx, node, PctExecScript(vmid, composeProbe+" && docker info >/dev/null"), nil)
	if err != nil {
		return composeTool{}, err
	}
	if tool, ok, _ := parseComposeProbe(probe.Stdout); ok && probe.ExitCode == 0 {
		return tool, nil
	}
	osRelease, err := d.output(ctx, node, vmid, "cat", "/etc/os-release")
	if err != nil {
		return composeTool{}, err
	}
	if strings.Contains(osRelease, "ID=alpine") {
		err = d.installAlpineDocker(ctx, node, vmid)
	} else {
		err = d.installAptDocker(ctx, node, vmid)
	}
	if err != nil {
		return composeTool{}, fmt.Errorf("installing Docker: %w", err)
	}
	if err := d.inContainer(ctx, node, vmid, "docker", "info"); err != nil {
		return composeTool{}, err
	}
	tool, ok, err := d.findCompose(ctx, node, vmid)
	if err == nil && !ok {
		err = fmt.Errorf("CT %d has neither `docker compose` nor docker-compose after installing Docker", vmid)
	}
	return tool, err
}

// installAlpineDocker installs Docker and the compose plugin from Alpine's
// community repository, enabling it first where the template lacks it.
func (d *Service) installAlpineDocker(ctx context.Context, node string, vmid int) error {
	if err := d.enableAlpineCommunity(ctx, node, vmid); err != nil {
		return err
	}
	// One command at a time, so that a retry repeats only what failed.
	for _, argv := range [][]string{
		{"apk", "add", "--no-cache", "docker", "docker-cli-compose"},
		{"rc-update", "add", "docker", "default"},
		{"service", "docker", "start"},
	} {
		if err := d.inContainer(ctx, node, vmid, argv...); err != nil {
			return err
		}
	}
	return nil
}

// installAptDocker installs docker.io and a compose from the release's own
// archive: Compose v2 where the archive has it as docker-compose-v2
// (Ubuntu), else docker-compose, which is v2 on Debian 13 and v1 on
// Debian 12 (findCompose tells them apart afterwards).
func (d *Service) installAptDocker(ctx context.Context, node string, vmid int) error {
	if err := d.inContainer(ctx, node, vmid, "apt-get", "update"); err != nil {
		return err
	}
	v2 := []string{"apt-get", "install", "-y", "docker.io", "docker-compose-v2"}
	res, err := d.Nodes.Run(ctx, node, PctExec(vmid, v2...), nil)
	switch {
	case err != nil:
		return err
	case res.ExitCode == 0:
		return nil
	case strings.Contains(res.Stderr, "Unable to locate package docker-compose-v2"):
		return d.inContainer(ctx, node, vmid, "apt-get", "install", "-y", "docker.io", "docker-compose")
	}
	// Another failure (a mirror, a lock): the same install, retried.
	return d.inContainer(ctx, node, vmid, v2...)
}

// composeCommand finds the compose of a container the app runs in.
// Neither answering is a failure, retried like any command.
func (d *Service) composeCommand(ctx context.Context, node string, vmid int) (composeTool, error) {
	tool, ok, err := d.findCompose(ctx, node, vmid)
	if err == nil && !ok {
		err = fmt.Errorf("CT %d has neither `docker compose` nor docker-compose: was Docker removed from it?", vmid)
	}
	return tool, err
}
