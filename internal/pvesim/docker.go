package pvesim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// The docker engine's state lives in the container's own file tree, so a
// backup and a restore carry it, and a reboot replays restart policies.
const (
	dockerPIDFile   = "/run/docker.pid"
	projectsDir     = "/var/lib/docker/simulator/projects"
	imagesFile      = "/var/lib/docker/simulator/images"
	daemonDownError = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
)

type composeProject struct {
	Name        string           `json:"name"`
	V1          bool             `json:"v1,omitempty"`
	WorkingDir  string           `json:"working_dir"`
	ConfigFiles []string         `json:"config_files"`
	Services    []composeService `json:"services"`
}

// composeService is one container of a project.
type composeService struct {
	Name       string        `json:"name"`
	Container  string        `json:"container"`
	ID         string        `json:"id"`
	Image      string        `json:"image"`
	Restart    string        `json:"restart"`
	Ports      []publishPort `json:"ports"`
	State      string        `json:"state"` // created | running | restarting | exited
	ExitCode   int           `json:"exit_code"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	CreatedAt  time.Time     `json:"created_at"`
	UserStoped bool          `json:"user_stopped"`
	// Failure is what the entrypoint prints before exiting 1 when the
	// container's configuration cannot work (see entrypointFailure).
	Failure string `json:"failure,omitempty"`
	// Healthcheck marks a container with a healthcheck, first passing
	// HealthInterval (simulated) after each start (compose_health.go).
	Healthcheck    bool          `json:"healthcheck,omitempty"`
	HealthInterval time.Duration `json:"health_interval,omitempty"`
	// HungAt is when the container's process stopped answering (a test's
	// HangService); a start after it is a new process (compose_health.go).
	HungAt time.Time `json:"hung_at,omitzero"`
}

type publishPort struct {
	Published int    `json:"published"`
	Target    int    `json:"target"`
	Protocol  string `json:"protocol"`
}

func (p *composeProject) service(name string) *composeService {
	for i := range p.Services {
		if p.Services[i].Name == name {
			return &p.Services[i]
		}
	}
	return nil
}

func (p *composeProject) put(svc composeService) {
	if old := p.service(svc.Name); old != nil {
		*old = svc
		return
	}
	p.Services = append(p.Services, svc)
}

func (p *composeProject) remove(name string) {
	p.Services = slices.DeleteFunc(p.Services, func(s composeService) bool { return s.Name == name })
}

// restartsOnFailure tells whether the restart policy brings a container
// that exited 1 back: always, unless-stopped and on-failure do.
func restartsOnFailure(policy string) bool {
	p, _, _ := strings.Cut(policy, ":")
	return p == "always" || p == "unless-stopped" || p == "on-failure"
}

// startService starts a container. One whose entrypoint fails exits 1 at
// once; its restart policy then keeps it restarting, as dockerd does.
func startService(svc *composeService) {
	now := time.Now()
	svc.StartedAt, svc.UserStoped = now, false
	switch {
	case svc.Failure == "":
		svc.State, svc.ExitCode = "running", 0
	case restartsOnFailure(svc.Restart):
		svc.State, svc.ExitCode, svc.FinishedAt = "restarting", 1, now
	default:
		svc.State, svc.ExitCode, svc.FinishedAt = "exited", 1, now
	}
}

// stopService stops a container; user marks a stop asked for by a user,
// which unless-stopped remembers across daemon restarts.
func stopService(svc *composeService, user bool) {
	if svc.State == "running" {
		svc.ExitCode = 0
	}
	svc.State, svc.FinishedAt, svc.UserStoped = "exited", time.Now(), user
}

func dockerdRunning(g *guest) bool {
	_, err := g.RootFS.Stat(dockerPIDFile)
	return err == nil
}

func dockerEnabled(g *guest) bool {
	for _, p := range []string{"/etc/runlevels/default/docker", "/etc/runlevels/boot/docker",
		"/etc/systemd/system/multi-user.target.wants/docker.service"} {
		if _, err := g.RootFS.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// dockerdStart starts the daemon, which restarts the containers whose
// restart policy asks for it; the others stay exited.
func dockerdStart(g *guest) {
	if dockerdRunning(g) {
		return
	}
	_ = g.RootFS.MkdirAll("/run", 0o755)
	_ = g.RootFS.WriteFile(dockerPIDFile, []byte("321\n"), 0o644)
	for _, p := range loadProjects(g) {
		for i := range p.Services {
			svc := &p.Services[i]
			switch {
			case svc.Restart == "always", svc.Restart == "unless-stopped" && !svc.UserStoped,
				strings.HasPrefix(svc.Restart, "on-failure") && svc.State == "restarting":
				startService(svc)
			case svc.State == "running" || svc.State == "restarting":
				svc.State, svc.ExitCode, svc.FinishedAt = "exited", 255, time.Now()
			}
		}
		saveProject(g, p)
	}
}

func dockerdStop(g *guest) {
	_ = g.RootFS.Remove(dockerPIDFile)
}

// containerBooted runs what the init system starts at boot.
func containerBooted(g *guest) {
	_ = g.RootFS.RemoveAll("/run")
	_ = g.RootFS.MkdirAll("/run", 0o755)
	if dockerEnabled(g) {
		dockerdStart(g)
	}
	haproxyBooted(g) // haproxy_service.go
}

// containerHalted drops runtime state; /run is a tmpfs.
func containerHalted(g *guest) {
	_ = g.RootFS.RemoveAll("/run")
}

func loadProjects(g *guest) []*composeProject {
	entries, _ := g.RootFS.ReadDir(projectsDir)
	var out []*composeProject
	for _, e := range entries {
		raw, err := g.RootFS.ReadFile(projectsDir + "/" + e.Name())
		if err != nil {
			continue
		}
		var p composeProject
		if json.Unmarshal(raw, &p) == nil {
			out = append(out, &p)
		}
	}
	return out
}

func loadProject(g *guest, name string) *composeProject {
	for _, p := range loadProjects(g) {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func saveProject(g *guest, p *composeProject) {
	raw, _ := json.MarshalIndent(p, "", "  ")
	_ = g.RootFS.MkdirAll(projectsDir, 0o700)
	_ = g.RootFS.WriteFile(projectsDir+"/"+p.Name+".json", raw, 0o600)
}

func deleteProject(g *guest, name string) {
	_ = g.RootFS.Remove(projectsDir + "/" + name + ".json")
}

// dockerProgram is the docker CLI of the container's distribution: info,
// version, ps, and compose when a compose plugin is installed.
func (s *Simulator) dockerProgram(g *guest, d *distro) shell.Program {
	return func(c *shell.Call) int {
		args := c.Args[1:]
		if d == nil {
			d = &distro{Docker: "unknown", DockerServer: "Server:"}
		}
		version := d.Docker
		if len(args) == 0 {
			fmt.Fprintln(c.Stdout, "Usage:  docker [OPTIONS] COMMAND")
			return 0
		}
		switch args[0] {
		case "--version", "-v":
			fmt.Fprintf(c.Stdout, "Docker version %s, build %s\n", version, d.DockerBuild)
			return 0
		case "compose":
			pkg, ok := d.composeOf(g, composePlugin)
			if _, err := g.RootFS.Stat(composePlugin); err != nil || !ok {
				return unknownDockerCommand(c, d, "compose")
			}
			return s.compose(c, g, pkg, true, args[1:])
		}
		if !dockerdRunning(g) {
			if args[0] == "version" {
				fmt.Fprintf(c.Stdout, "Client:\n Version:           %s\n", version)
			}
			fmt.Fprintln(c.Stderr, daemonDownError)
			return 1
		}
		switch args[0] {
		case "info":
			running, total := 0, 0
			for _, p := range loadProjects(g) {
				for _, svc := range p.Services {
					total++
					if svc.State == "running" {
						running++
					}
				}
			}
			fmt.Fprintf(c.Stdout,
				"Client:\n Version:    %s\n Context:    default\n\nServer:\n Containers: %d\n  Running: %d\n  Stopped: %d\n Server Version: %s\n"+
					" Storage Driver: overlay2\n Cgroup Driver: cgroupfs\n Kernel Version: 6.8.12-9-pve\n Operating System: %s\n",
				version, total, running, total-running, version, osPrettyName(g))
		case "version":
			fmt.Fprintf(c.Stdout, "Client:\n Version:           %s\n\n%s\n Engine:\n  Version:          %s\n", version, d.DockerServer, version)
		case "ps":
			return dockerPS(c, g, args[1:], s.clock)
		default:
			return unknownDockerCommand(c, d, args[0])
		}
		return 0
	}
}

// unknownDockerCommand is the CLI's answer to a command it has neither
// built in nor as a plugin: docker 28 and later say "unknown command",
// earlier ones (Debian 12's 20.10) "is not a docker command".
func unknownDockerCommand(c *shell.Call, d *distro, cmd string) int {
	major := 0
	if d != nil {
		_, _ = fmt.Sscanf(d.Docker, "%d", &major) // no leading number: the old wording
	}
	if major >= 28 {
		fmt.Fprintf(c.Stderr, "docker: unknown command: docker %s\n\nRun 'docker --help' for more information\n", cmd)
		return 1
	}
	fmt.Fprintf(c.Stderr, "docker: '%s' is not a docker command.\nSee 'docker --help'\n", cmd)
	return 1
}

func osPrettyName(g *guest) string {
	raw, _ := g.RootFS.ReadFile("/etc/os-release")
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

// composeStandalone is the docker-compose command: v1 or v2 as the package
// that installed /usr/bin/docker-compose is.
func (s *Simulator) composeStandalone(g *guest, d *distro) shell.Program {
	return func(c *shell.Call) int {
		pkg, ok := d.composeOf(g, "/usr/bin/docker-compose")
		if !ok {
			fmt.Fprintf(c.Stderr, "bash: line 1: %s: command not found\n", c.Args[0])
			return 127
		}
		return s.compose(c, g, pkg, false, c.Args[1:])
	}
}

func portsText(ports []publishPort) string {
	var parts []string
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("0.0.0.0:%d->%d/%s", p.Published, p.Target, p.Protocol))
	}
	return strings.Join(parts, ", ")
}
