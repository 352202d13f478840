package pvesim

import (
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// The engine side of compose: containers are created, started, stopped and
// listed in the container's docker state (docker.go), so `docker ps -a`
// and `compose ps` always show the same containers and states.

func (cli *composeCLI) containerName(project, service string) string {
	if cli.v1 {
		return project + "_" + service + "_1"
	}
	return project + "-" + service + "-1"
}

// progress prints one step of a container's life as this compose does:
// v2 " Container app-web-1  Started", v1 "Starting app_web_1 ... done".
func (cli *composeCLI) progress(kind, name, v2State, v1Verb string) {
	if cli.v1 {
		if v1Verb != "" {
			fmt.Fprintf(cli.c.Stderr, "%s %s ... done\n", v1Verb, name)
		}
		return
	}
	fmt.Fprintf(cli.c.Stderr, " %s %s  %s\n", kind, name, v2State)
}

// selected are the services a command acts on: the named ones, else all.
func selected(spec *composeSpec, services []string) []string {
	if len(services) == 0 {
		return spec.Order
	}
	var out []string
	for _, n := range spec.Order {
		if slices.Contains(services, n) {
			out = append(out, n)
		}
	}
	return out
}

func (s *Simulator) composeUp(cli *composeCLI, spec *composeSpec, services []string, flags map[string]string, start bool) int {
	g, name := cli.g, spec.Name
	if len(spec.Services) == 0 {
		fmt.Fprintln(cli.c.Stderr, "no service selected")
		return 1
	}
	targets := selected(spec, services)
	// Dependencies come up with the services that need them.
	if len(services) > 0 && flags["no-deps"] == "" {
		want := map[string]bool{}
		var add func(string)
		add = func(n string) {
			want[n] = true
			for _, d := range spec.Services[n].DependsOn {
				add(d)
			}
		}
		for _, n := range services {
			add(n)
		}
		targets = nil
		for _, n := range spec.Order {
			if want[n] {
				targets = append(targets, n)
			}
		}
	}
	// Published ports must be free among the other projects' running containers.
	used := map[int]string{}
	for _, p := range loadProjects(g) {
		if p.Name == name {
			continue
		}
		for _, svc := range p.Services {
			for _, port := range svc.Ports {
				if svc.State == "running" || svc.State == "restarting" {
					used[port.Published] = svc.Container
				}
			}
		}
	}
	for _, svcName := range targets {
		for _, port := range spec.Services[svcName].Ports {
			if _, taken := used[port.Published]; taken {
				fmt.Fprintf(cli.c.Stderr,
					"Error response from daemon: driver failed programming external connectivity on endpoint %s: Bind for 0.0.0.0:%d failed: port is already "+
						"allocated\n", cli.containerName(name, svcName), port.Published)
				return 1
			}
			used[port.Published] = svcName
		}
	}
	if code := s.pullImages(cli, spec, targets); code != 0 {
		return code
	}
	p := loadProject(g, name)
	if p == nil {
		p = &composeProject{Name: name, V1: cli.v1}
		if cli.v1 {
			fmt.Fprintf(cli.c.Stderr, "Creating network %q with the default driver\n", name+"_default")
		} else {
			cli.progress("Network", name+"_default", "Creating", "")
			cli.progress("Network", name+"_default", "Created", "")
		}
	}
	p.WorkingDir, p.ConfigFiles = cli.workDir, cli.files
	for _, svcName := range targets {
		def := spec.Services[svcName]
		for _, v := range def.NamedVolumes {
			dir := "/var/lib/docker/volumes/" + name + "_" + v + "/_data"
			if _, err := g.RootFS.Stat(dir); err != nil {
				if cli.v1 {
					fmt.Fprintf(cli.c.Stderr, "Creating volume %q with default driver\n", name+"_"+v)
				} else {
					cli.progress("Volume", `"`+name+"_"+v+`"`, "Creating", "")
					cli.progress("Volume", `"`+name+"_"+v+`"`, "Created", "")
				}
				_ = g.RootFS.MkdirAll(dir, 0o755)
			}
		}
		container := def.ContainerName
		if container == "" {
			container = cli.containerName(name, svcName)
		}
		failure := entrypointFailure(def.Image, def.Environment)
		old := p.service(svcName)
		reused := old != nil && old.Image == def.Image && old.Failure == failure && slices.Equal(old.Ports, def.Ports) && old.Restart == def.Restart &&
			old.Healthcheck == def.Healthcheck && old.HealthInterval == def.HealthInterval && flags["force-recreate"] == ""
		if reused {
			if old.State == "running" || old.State == "restarting" {
				cli.progress("Container", container, "Running", "")
				continue
			}
		} else {
			if old != nil {
				cli.progress("Container", container, "Recreate", "Recreating")
			} else {
				cli.progress("Container", container, "Creating", "Creating")
			}
			svc := composeService{Name: svcName, Container: container, Image: def.Image, Restart: def.Restart, Ports: def.Ports,
				CreatedAt: time.Now(), ID: hex.EncodeToString(randomBytes(32)), State: "created", Failure: failure,
				Healthcheck: def.Healthcheck, HealthInterval: def.HealthInterval}
			p.put(svc)
			if old != nil {
				cli.progress("Container", container, "Recreated", "")
			} else {
				cli.progress("Container", container, "Created", "")
			}
		}
		if start {
			v1Verb := ""
			if reused {
				v1Verb = "Starting" // v1 names only the start of an existing container
			}
			cli.progress("Container", container, "Starting", v1Verb)
			if msg := s.runcStartFailure(g); msg != "" {
				saveProject(g, p)
				return cli.startFailed(svcName, container, msg)
			}
			startService(p.service(svcName))
			cli.progress("Container", container, "Started", "")
		}
	}
	if flags["remove-orphans"] != "" {
		for _, o := range slices.Clone(p.Services) {
			if _, still := spec.Services[o.Name]; !still {
				cli.progress("Container", o.Container, "Removed", "Removing")
				p.remove(o.Name)
			}
		}
	}
	if err := cli.c.Env.Sleep(cli.c.Ctx, 2*time.Second); err != nil {
		return 130
	}
	saveProject(g, p)
	if flags["wait"] != "" && start {
		// --wait watches the containers until they run; one that exits
		// (a restarting one exits between its restarts) fails it.
		for _, svcName := range targets {
			if svc := p.service(svcName); svc != nil && svc.State != "running" {
				fmt.Fprintf(cli.c.Stderr, "container %s exited (%d)\n", svc.Container, svc.ExitCode)
				return 1
			}
		}
	}
	return 0
}

// pullImages fetches the images not present yet, which takes simulated
// time; an unknown tag fails as the registry answers it.
func (s *Simulator) pullImages(cli *composeCLI, spec *composeSpec, targets []string) int {
	g := cli.g
	have, _ := g.RootFS.ReadFile(imagesFile)
	known := toSet(string(have))
	var pulled []string
	for _, name := range targets {
		img := spec.Services[name].Image
		if known[img] {
			continue
		}
		if cli.v1 {
			fmt.Fprintf(cli.c.Stderr, "Pulling %s (%s)...\n", name, img)
		} else {
			fmt.Fprintf(cli.c.Stderr, " %s Pulling \n", name)
		}
		if err := cli.c.Env.Sleep(cli.c.Ctx, 5*time.Second); err != nil {
			return 130
		}
		if !imageKnown(img) {
			if cli.v1 {
				fmt.Fprintln(cli.c.Stderr, manifestUnknown(img))
			} else {
				fmt.Fprintf(cli.c.Stderr, " %s Error %s\nError response from daemon: %s\n", name, manifestUnknown(img), manifestUnknown(img))
			}
			return 1
		}
		if !cli.v1 {
			fmt.Fprintf(cli.c.Stderr, " %s Pulled \n", name)
		}
		known[img] = true
		pulled = append(pulled, img)
	}
	if len(pulled) > 0 {
		_ = g.RootFS.MkdirAll(path.Dir(imagesFile), 0o700)
		_ = g.RootFS.WriteFile(imagesFile, append(have, []byte(strings.Join(pulled, "\n")+"\n")...), 0o600)
	}
	return 0
}

func (s *Simulator) composePull(cli *composeCLI, spec *composeSpec, services []string) int {
	return s.pullImages(cli, spec, selected(spec, services))
}

func (cli *composeCLI) down(spec *composeSpec, volumes string) int {
	g, name := cli.g, spec.Name
	p := loadProject(g, name)
	if p != nil {
		for _, svc := range p.Services {
			cli.progress("Container", svc.Container, "Stopping", "Stopping")
			cli.progress("Container", svc.Container, "Stopped", "")
		}
		for _, svc := range p.Services {
			cli.progress("Container", svc.Container, "Removed", "Removing")
		}
		if cli.v1 {
			fmt.Fprintf(cli.c.Stderr, "Removing network %s_default\n", name)
		} else {
			cli.progress("Network", name+"_default", "Removed", "")
		}
	}
	if volumes != "" {
		entries, _ := g.RootFS.ReadDir("/var/lib/docker/volumes")
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), name+"_") {
				_ = g.RootFS.RemoveAll("/var/lib/docker/volumes/" + e.Name())
				if cli.v1 {
					fmt.Fprintf(cli.c.Stderr, "Removing volume %s\n", e.Name())
				} else {
					cli.progress("Volume", e.Name(), "Removed", "")
				}
			}
		}
	}
	deleteProject(g, name)
	return 0
}

// lifecycle is stop, start and restart of the named services (all when
// none is named); the other services keep their state.
func (cli *composeCLI) lifecycle(spec *composeSpec, action string, services []string) int {
	p := loadProject(cli.g, spec.Name)
	var targets []*composeService
	if p != nil {
		for i := range p.Services {
			if len(services) == 0 || slices.Contains(services, p.Services[i].Name) {
				targets = append(targets, &p.Services[i])
			}
		}
	}
	if len(targets) == 0 {
		if action != "start" {
			return 0
		}
		if cli.v1 {
			fmt.Fprintln(cli.c.Stderr, "No containers to start")
			return 1
		}
		svc := ""
		if len(services) > 0 {
			svc = services[0]
		} else if len(spec.Order) > 0 {
			svc = spec.Order[0]
		}
		fmt.Fprintf(cli.c.Stderr, "service %q has no container to start\n", svc)
		return 1
	}
	for _, svc := range targets {
		switch action {
		case "stop":
			if svc.State == "running" || svc.State == "restarting" {
				cli.progress("Container", svc.Container, "Stopping", "Stopping")
				stopService(svc, true)
				cli.progress("Container", svc.Container, "Stopped", "")
			}
		case "start":
			if svc.State == "running" || svc.State == "restarting" {
				continue
			}
			cli.progress("Container", svc.Container, "Starting", "Starting")
			startService(svc)
			cli.progress("Container", svc.Container, "Started", "")
		case "restart":
			cli.progress("Container", svc.Container, "Restarting", "Restarting")
			stopService(svc, false)
			startService(svc)
			cli.progress("Container", svc.Container, "Started", "")
		}
	}
	saveProject(cli.g, p)
	return 0
}

func (cli *composeCLI) logs(spec *composeSpec, services []string) int {
	p := loadProject(cli.g, spec.Name)
	if p == nil {
		return 0
	}
	// v1 attaches to the named services' containers only
	// (compose/cli/main.py TopLevelCommand.logs: project.containers(
	// service_names=options['SERVICE'], stopped=True)).
	var names []string
	for _, svc := range p.Services {
		if len(services) == 0 || slices.Contains(services, svc.Name) {
			names = append(names, svc.Container)
		}
	}
	if cli.v1 {
		fmt.Fprintf(cli.c.Stdout, "Attaching to %s\n", strings.Join(names, ", "))
	}
	sep := "  | "
	if cli.v1 {
		sep = " | "
	}
	for _, svc := range p.Services {
		if len(services) > 0 && !slices.Contains(services, svc.Name) {
			continue
		}
		text := svc.Name + " started"
		if svc.Failure != "" {
			text = svc.Failure
		}
		for _, line := range strings.Split(text, "\n") {
			fmt.Fprintf(cli.c.Stdout, "%s%s%s\n", svc.Container, sep, line)
		}
	}
	return 0
}

func (cli *composeCLI) config(spec *composeSpec, flags map[string]string) int {
	switch {
	case flags["quiet"] != "":
	case flags["services"] != "":
		for _, n := range spec.Order {
			fmt.Fprintln(cli.c.Stdout, n)
		}
	default:
		_, _ = cli.c.Stdout.Write(spec.Config)
	}
	return 0
}
