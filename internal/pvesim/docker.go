package pvesim

import (
	"encoding/json"
	"fmt"
	"sort"
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
	dockerVersion   = "27.3.1"
	composeVersion  = "v2.29.7"
	daemonDownError = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
)

type composeProject struct {
	Name        string           `json:"name"`
	WorkingDir  string           `json:"working_dir"`
	ConfigFiles []string         `json:"config_files"`
	Services    []composeService `json:"services"`
}

type composeService struct {
	Name       string        `json:"name"`
	Container  string        `json:"container"`
	ID         string        `json:"id"`
	Image      string        `json:"image"`
	Restart    string        `json:"restart"`
	Ports      []publishPort `json:"ports"`
	State      string        `json:"state"` // running | exited
	ExitCode   int           `json:"exit_code"`
	StartedAt  time.Time     `json:"started_at"`
	CreatedAt  time.Time     `json:"created_at"`
	UserStoped bool          `json:"user_stopped"`
}

type publishPort struct {
	Published int    `json:"published"`
	Target    int    `json:"target"`
	Protocol  string `json:"protocol"`
}

func dockerdRunning(g *guest) bool {
	_, err := g.RootFS.Stat(dockerPIDFile)
	return err == nil
}

func dockerEnabled(g *guest) bool {
	for _, p := range []string{"/etc/runlevels/default/docker", "/etc/runlevels/boot/docker", "/etc/systemd/system/multi-user.target.wants/docker.service"} {
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
			case svc.Restart == "always", svc.Restart == "unless-stopped" && !svc.UserStoped:
				svc.State, svc.StartedAt = "running", time.Now()
			case svc.State == "running":
				svc.State, svc.ExitCode = "exited", 255
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

// dockerProgram is the docker CLI: info, version, ps, compose.
func (s *Simulator) dockerProgram(g *guest, family string) shell.Program {
	return func(c *shell.Call) int {
		args := c.Args[1:]
		if len(args) == 0 {
			fmt.Fprintln(c.Stdout, "Usage:  docker [OPTIONS] COMMAND")
			return 0
		}
		switch args[0] {
		case "--version", "-v":
			fmt.Fprintf(c.Stdout, "Docker version %s, build ce12230\n", dockerVersion)
			return 0
		case "compose":
			if _, err := g.RootFS.Stat(composePlugin); err != nil {
				fmt.Fprintln(c.Stderr, "docker: 'compose' is not a docker command.\nSee 'docker --help'")
				return 1
			}
			return s.compose(c, g, args[1:])
		}
		if !dockerdRunning(g) {
			if args[0] == "version" {
				fmt.Fprintf(c.Stdout, "Client:\n Version:           %s\n", dockerVersion)
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
			fmt.Fprintf(c.Stdout, "Client:\n Version:    %s\n Context:    default\n\nServer:\n Containers: %d\n  Running: %d\n  Stopped: %d\n Server Version: %s\n Storage Driver: overlay2\n Cgroup Driver: cgroupfs\n Kernel Version: 6.8.12-9-pve\n Operating System: %s\n",
				dockerVersion, total, running, total-running, dockerVersion, family)
		case "version":
			fmt.Fprintf(c.Stdout, "Client:\n Version:           %s\n\nServer: Docker Engine - Community\n Engine:\n  Version:          %s\n", dockerVersion, dockerVersion)
		case "ps":
			fmt.Fprintln(c.Stdout, "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES")
			for _, p := range loadProjects(g) {
				for _, svc := range p.Services {
					if svc.State == "running" {
						fmt.Fprintf(c.Stdout, "%s   %s   \"/entrypoint\"   %s   %s   %s   %s\n", svc.ID[:12], svc.Image, "1 minute ago", "Up", portsText(svc.Ports), svc.Container)
					}
				}
			}
		default:
			fmt.Fprintf(c.Stderr, "docker: '%s' is not a docker command.\nSee 'docker --help'\n", args[0])
			return 1
		}
		return 0
	}
}

// composeStandalone is docker-compose (the v1 command name).
func (s *Simulator) composeStandalone(g *guest) shell.Program {
	return func(c *shell.Call) int { return s.compose(c, g, c.Args[1:]) }
}

func portsText(ports []publishPort) string {
	var parts []string
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("0.0.0.0:%d->%d/%s", p.Published, p.Target, p.Protocol))
	}
	return strings.Join(parts, ", ")
}

func sortedServiceNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
