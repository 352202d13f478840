package pvesim

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

func installFiles(t *vfs.Tree, files []string) {
	for _, f := range files {
		if writePackagedFile(t, f) { // haproxy_package.go: files whose content matters
			continue
		}
		_ = t.MkdirAll(path.Dir(f), 0o755)
		_ = t.WriteFile(f, []byte("#!/bin/sh\n# installed by the simulated package manager\n"), 0o755)
	}
}

// resolvePackages is the install order of what the named packages pull in
// (dependencies first), leaving out what is installed already.
func resolvePackages(avail map[string]distroPackage, names []string, installed map[string]bool, recommends bool) []string {
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] || installed[name] {
			return
		}
		seen[name] = true
		p := avail[name]
		for _, d := range p.Depends {
			visit(d)
		}
		if recommends {
			for _, d := range p.Recommends {
				visit(d)
			}
		}
		order = append(order, name)
	}
	for _, n := range names {
		visit(n)
	}
	return order
}

// apkProgram is Alpine's apk: update, add, del-free installs with
// dependencies, info; the branch and versions are the container's release.
func (s *Simulator) apkProgram(g *guest, d *distro) shell.Program {
	return func(c *shell.Call) int {
		var words []string
		for _, a := range c.Args[1:] {
			if !strings.HasPrefix(a, "-") {
				words = append(words, a)
			}
		}
		if len(words) == 0 {
			fmt.Fprintln(c.Stderr, "usage: apk [<OPTIONS>...] COMMAND [<ARGUMENTS>...]")
			return 1
		}
		switch words[0] {
		case "update":
			repos := apkRepositories(g)
			for _, r := range repos {
				fmt.Fprintf(c.Stdout, "fetch %s/x86_64/APKINDEX.tar.gz\n", r)
			}
			for _, r := range repos {
				fmt.Fprintf(c.Stdout, "%s.0-120-g1f3a8e2b4c [%s]\n", d.Branch, r)
			}
			fmt.Fprintf(c.Stdout, "OK: %d distinct packages available\n", 6000*len(repos))
			return 0
		case "add":
			return s.apkAdd(c, g, d, words[1:])
		case "info":
			installed := installedPackages(g, d)
			if len(words) > 1 {
				if slices.Contains(installed, words[1]) {
					fmt.Fprintln(c.Stdout, words[1])
					return 0
				}
				return 1
			}
			for _, p := range installed {
				fmt.Fprintln(c.Stdout, p)
			}
			return 0
		}
		fmt.Fprintf(c.Stderr, "apk: unknown command '%s'\n", words[0])
		return 1
	}
}

func (s *Simulator) apkAdd(c *shell.Call, g *guest, d *distro, pkgs []string) int {
	var missing []string
	targets := make([]string, 0, len(pkgs))
	enabled := apkEnabled(g)
	for _, p := range pkgs {
		pkg, ok := d.Packages[p]
		switch {
		case !ok || !enabled[apkRepositoryOf(p, pkg)]:
			missing = append(missing, p)
		case pkg.Virtual != "":
			targets = append(targets, pkg.Virtual)
		default:
			targets = append(targets, p)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintln(c.Stderr, "ERROR: unable to select packages:")
		for _, p := range missing {
			fmt.Fprintf(c.Stderr, "  %s (no such package):\n    required by: world[%s]\n", p, p)
		}
		return len(missing)
	}
	have := map[string]bool{}
	for _, p := range installedPackages(g, d) {
		have[p] = true
	}
	order := resolvePackages(d.Packages, targets, have, false)
	if err := c.Env.Sleep(c.Ctx, time.Duration(len(order))*2*time.Second); err != nil {
		return 130
	}
	db, _ := g.RootFS.ReadFile(apkInstalledFile)
	for i, p := range order {
		pkg := d.Packages[p]
		fmt.Fprintf(c.Stdout, "(%d/%d) Installing %s (%s)\n", i+1, len(order), p, pkg.Version)
		installFiles(g.RootFS, pkg.Files)
		db = append(db, []byte("P:"+p+"\nV:"+pkg.Version+"\n\n")...)
	}
	_ = g.RootFS.MkdirAll(path.Dir(apkInstalledFile), 0o755)
	_ = g.RootFS.WriteFile(apkInstalledFile, db, 0o644)
	world, _ := g.RootFS.ReadFile(apkWorldFile)
	names := strings.Fields(string(world))
	for _, p := range pkgs {
		if !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	_ = g.RootFS.MkdirAll(path.Dir(apkWorldFile), 0o755)
	_ = g.RootFS.WriteFile(apkWorldFile, []byte(strings.Join(names, "\n")+"\n"), 0o644)
	total := len(installedPackages(g, d)) + 20
	fmt.Fprintf(c.Stdout, "OK: %d MiB in %d packages\n", 8+3*total, total)
	return 0
}

// apkCommunity are the packages of the index's Alpine archives that
// Alpine keeps in its community repository (pkgs.alpinelinux.org); the
// others are in main.
var apkCommunity = toSet("docker docker-cli docker-engine docker-openrc containerd runc docker-cli-compose docker-compose")

func apkRepositoryOf(name string, p distroPackage) string {
	if apkCommunity[name] || apkCommunity[p.Virtual] {
		return "community"
	}
	return "main"
}

// apkRepositories are the repositories /etc/apk/repositories enables: its
// lines that are neither blank nor comments. A tagged one (@edge URL)
// serves only names asked for with its tag, which Proximity never does.
func apkRepositories(g *guest) []string {
	raw, _ := g.RootFS.ReadFile("/etc/apk/repositories")
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "@") {
			out = append(out, strings.TrimRight(l, "/"))
		}
	}
	return out
}

// apkEnabled is which of main and community apk can install from: a
// package missing from every enabled repository is "no such package".
func apkEnabled(g *guest) map[string]bool {
	enabled := map[string]bool{}
	for _, r := range apkRepositories(g) {
		enabled[path.Base(r)] = true
	}
	return enabled
}

// aptProgram is apt-get (and apt): update and install from the release's
// archive, with dependencies and recommends, as Debian and Ubuntu have them.
func (s *Simulator) aptProgram(g *guest, d *distro) shell.Program {
	return func(c *shell.Call) int {
		yes, recommends := false, true
		var words []string
		for _, a := range c.Args[1:] {
			switch {
			case a == "-y" || a == "--yes" || a == "--assume-yes" || a == "-qy" || a == "-yq":
				yes = true
			case a == "--no-install-recommends":
				recommends = false
			case strings.HasPrefix(a, "-"):
			default:
				words = append(words, a)
			}
		}
		if len(words) == 0 {
			fmt.Fprintln(c.Stderr, "E: Invalid operation")
			return 100
		}
		switch words[0] {
		case "update":
			if err := c.Env.Sleep(c.Ctx, 3*time.Second); err != nil {
				return 130
			}
			mirror, security := "http://deb.debian.org/debian", "http://security.debian.org"
			if d.ID == "ubuntu" {
				mirror, security = "http://archive.ubuntu.com/ubuntu", "http://security.ubuntu.com/ubuntu"
			}
			fmt.Fprintf(c.Stdout, "Hit:1 %s %s InRelease\n", mirror, d.Branch)
			fmt.Fprintf(c.Stdout, "Hit:2 %s %s-security InRelease\n", security, d.Branch)
			fmt.Fprintln(c.Stdout, "Reading package lists... Done")
			return 0
		case "install":
			return s.aptInstall(c, g, d, words[1:], yes, recommends)
		}
		fmt.Fprintf(c.Stderr, "E: Invalid operation %s\n", words[0])
		return 100
	}
}

func (s *Simulator) aptInstall(c *shell.Call, g *guest, d *distro, pkgs []string, yes, recommends bool) int {
	available := aptAvailable(g, d)
	fmt.Fprintln(c.Stdout, "Reading package lists...")
	for _, p := range pkgs {
		if _, ok := available[p]; !ok {
			fmt.Fprintf(c.Stderr, "E: Unable to locate package %s\n", p)
			return 100
		}
	}
	have := map[string]bool{}
	for _, p := range installedPackages(g, d) {
		have[p] = true
	}
	order := resolvePackages(available, pkgs, have, recommends)
	fmt.Fprintln(c.Stdout, "Building dependency tree...\nReading state information...")
	if len(order) == 0 {
		fmt.Fprintln(c.Stdout, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
		return 0
	}
	fmt.Fprintf(c.Stdout, "The following NEW packages will be installed:\n  %s\n", strings.Join(order, " "))
	fmt.Fprintf(c.Stdout, "0 upgraded, %d newly installed, 0 to remove and 0 not upgraded.\n", len(order))
	if !yes {
		fmt.Fprintln(c.Stdout, "Do you want to continue? [Y/n] Abort.")
		return 1
	}
	if err := c.Env.Sleep(c.Ctx, time.Duration(len(order))*3*time.Second); err != nil {
		return 130
	}
	startDocker := false
	for _, p := range order {
		pkg := available[p]
		fmt.Fprintf(c.Stdout, "Setting up %s (%s) ...\n", p, pkg.Version)
		installFiles(g.RootFS, pkg.Files)
		markInstalled(g.RootFS, p, pkg.Version)
		if slices.Contains(pkg.Files, dockerUnit) {
			startDocker = true
		}
	}
	if startDocker {
		// Debian's and Ubuntu's postinst enable and start the daemon.
		_ = g.RootFS.MkdirAll("/etc/systemd/system/multi-user.target.wants", 0o755)
		_ = g.RootFS.WriteFile("/etc/systemd/system/multi-user.target.wants/docker.service", nil, 0o644)
		dockerdStart(g)
	}
	return 0
}

// aptAvailable is the release's archive, plus Docker's repository once its
// sources file is in place, as on a real system.
func aptAvailable(g *guest, d *distro) map[string]distroPackage {
	out := make(map[string]distroPackage, len(d.Packages)+len(dockerRepoPackages))
	for k, v := range d.Packages {
		out[k] = v
	}
	for _, src := range []string{"/etc/apt/sources.list.d/docker.list", "/etc/apt/sources.list.d/docker.sources"} {
		if _, err := g.RootFS.Stat(src); err == nil {
			for k, v := range dockerRepoPackages {
				out[k] = v
			}
		}
	}
	return out
}

func markInstalled(t *vfs.Tree, pkg, version string) {
	status, _ := t.ReadFile(dpkgStatusFile)
	_ = t.MkdirAll(path.Dir(dpkgStatusFile), 0o755)
	_ = t.WriteFile(dpkgStatusFile, append(status, []byte("Package: "+pkg+"\nStatus: install ok installed\nVersion: "+version+"\n\n")...), 0o644)
}

func rcUpdateProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		args := c.Args[1:]
		if len(args) < 2 {
			fmt.Fprintln(c.Stderr, " * rc-update: no service specified")
			return 1
		}
		action, svc := args[0], args[1]
		level := "default"
		if len(args) > 2 {
			level = args[2]
		}
		if _, err := g.RootFS.Stat("/etc/init.d/" + svc); err != nil {
			fmt.Fprintf(c.Stderr, " * rc-update: service `%s' does not exist\n", svc)
			return 1
		}
		link := "/etc/runlevels/" + level + "/" + svc
		switch action {
		case "add":
			_ = g.RootFS.MkdirAll("/etc/runlevels/"+level, 0o755)
			_ = g.RootFS.WriteFile(link, nil, 0o644)
			fmt.Fprintf(c.Stdout, " * service %s added to runlevel %s\n", svc, level)
		case "del", "delete":
			_ = g.RootFS.Remove(link)
			fmt.Fprintf(c.Stdout, " * service %s removed from runlevel %s\n", svc, level)
		default:
			fmt.Fprintf(c.Stderr, " * rc-update: unknown action `%s'\n", action)
			return 1
		}
		return 0
	}
}

// rcServiceProgram is OpenRC's rc-service/service for the docker daemon.
func (s *Simulator) rcServiceProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 3 {
			fmt.Fprintln(c.Stderr, "Usage: service <service> <action>")
			return 1
		}
		svc, action := c.Args[1], c.Args[2]
		if _, err := g.RootFS.Stat("/etc/init.d/" + svc); err != nil {
			fmt.Fprintf(c.Stderr, " * service: service `%s' does not exist\n", svc)
			return 1
		}
		if svc == "haproxy" {
			return s.haproxyService(c, g, action) // haproxy_service.go
		}
		return s.serviceAction(c, g, svc, action, " * Starting Docker Daemon ... [ ok ]", " * status: started", " * status: stopped")
	}
}

func (s *Simulator) sysvServiceProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 3 {
			fmt.Fprintln(c.Stderr, "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]")
			return 1
		}
		svc := c.Args[1]
		if _, err := g.RootFS.Stat("/lib/systemd/system/" + svc + ".service"); err != nil {
			fmt.Fprintf(c.Stderr, "%s: unrecognized service\n", svc)
			return 1
		}
		return s.serviceAction(c, g, svc, c.Args[2], "Starting Docker: docker.", "Docker is running.", "Docker is not running ... failed!")
	}
}

func (s *Simulator) systemctlProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		var words []string
		now := false
		for _, a := range c.Args[1:] {
			if a == "--now" {
				now = true
			} else if !strings.HasPrefix(a, "-") {
				words = append(words, a)
			}
		}
		if len(words) < 2 {
			fmt.Fprintln(c.Stderr, "Too few arguments.")
			return 1
		}
		action, svc := words[0], strings.TrimSuffix(words[1], ".service")
		if _, err := g.RootFS.Stat("/lib/systemd/system/" + svc + ".service"); err != nil {
			fmt.Fprintf(c.Stderr, "Failed to %s %s.service: Unit %s.service not found.\n", action, svc, svc)
			return 5
		}
		wants := "/etc/systemd/system/multi-user.target.wants/" + svc + ".service"
		switch action {
		case "enable":
			_ = g.RootFS.MkdirAll(path.Dir(wants), 0o755)
			_ = g.RootFS.WriteFile(wants, nil, 0o644)
			if now {
				dockerdStart(g)
			}
			return 0
		case "disable":
			_ = g.RootFS.Remove(wants)
			return 0
		case "is-enabled":
			if _, err := g.RootFS.Stat(wants); err != nil {
				fmt.Fprintln(c.Stdout, "disabled")
				return 1
			}
			fmt.Fprintln(c.Stdout, "enabled")
			return 0
		case "is-active":
			if dockerdRunning(g) {
				fmt.Fprintln(c.Stdout, "active")
				return 0
			}
			fmt.Fprintln(c.Stdout, "inactive")
			return 3
		}
		return s.serviceAction(c, g, svc, action, "", "", "")
	}
}

// serviceAction starts, stops or reports the docker daemon.
func (s *Simulator) serviceAction(c *shell.Call, g *guest, svc, action, started, running, stopped string) int {
	if svc != "docker" {
		return 0
	}
	defer s.pokeNetwork() // the containers' ports follow the daemon
	switch action {
	case "start", "restart", "reload":
		if err := c.Env.Sleep(c.Ctx, time.Second); err != nil {
			return 130
		}
		dockerdStart(g)
		if started != "" {
			fmt.Fprintln(c.Stdout, started)
		}
	case "stop":
		dockerdStop(g)
	case "status":
		if dockerdRunning(g) {
			if running != "" {
				fmt.Fprintln(c.Stdout, running)
			}
			return 0
		}
		if stopped != "" {
			fmt.Fprintln(c.Stdout, stopped)
		}
		return 3
	default:
		fmt.Fprintf(c.Stderr, "unknown action %s\n", action)
		return 1
	}
	return 0
}
