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

// pkgFiles are the files a package puts on disk that the simulator acts on
// (a program's binary, an init script, a compose plugin).
type pkgFiles []string

const composePlugin = "/usr/libexec/docker/cli-plugins/docker-compose"

var alpinePackages = map[string]pkgFiles{
	"docker":             {"/usr/bin/docker", "/usr/bin/dockerd", "/etc/init.d/docker"},
	"docker-cli":         {"/usr/bin/docker"},
	"docker-engine":      {"/usr/bin/dockerd", "/etc/init.d/docker"},
	"docker-cli-compose": {composePlugin},
	"docker-compose":     {composePlugin, "/usr/bin/docker-compose"},
	"bash":               {"/bin/bash"},
	"ca-certificates":    {"/etc/ssl/certs/ca-certificates.crt"},
	"tzdata":             {"/usr/share/zoneinfo/UTC"},
	"openrc":             {"/sbin/openrc"},
	"iptables":           {"/sbin/iptables"},
}

// debianPackages are what Debian 12's main archive offers; Docker's own
// packages need Docker's apt source, as on a real system.
var debianPackages = map[string]pkgFiles{
	"docker.io":       {"/usr/bin/docker", "/usr/sbin/dockerd", "/lib/systemd/system/docker.service"},
	"docker-compose":  {"/usr/bin/docker-compose"},
	"ca-certificates": {"/etc/ssl/certs/ca-certificates.crt"},
	"gnupg":           {"/usr/bin/gpg"},
	"iptables":        {"/usr/sbin/iptables"},
	"tzdata":          {"/usr/share/zoneinfo/UTC"},
}

var ubuntuExtra = map[string]pkgFiles{
	"docker-compose-v2": {composePlugin},
}

var dockerRepoPackages = map[string]pkgFiles{
	"docker-ce":             {"/usr/bin/dockerd", "/lib/systemd/system/docker.service"},
	"docker-ce-cli":         {"/usr/bin/docker"},
	"containerd.io":         {"/usr/bin/containerd"},
	"docker-buildx-plugin":  {"/usr/libexec/docker/cli-plugins/docker-buildx"},
	"docker-compose-plugin": {composePlugin},
}

func installFiles(t *vfs.Tree, files pkgFiles) {
	for _, f := range files {
		_ = t.MkdirAll(path.Dir(f), 0o755)
		_ = t.WriteFile(f, []byte("#!/bin/sh\n# installed by the simulated package manager\n"), 0o755)
	}
}

func (s *Simulator) apkProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		args := c.Args[1:]
		var words []string
		for _, a := range args {
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
			fmt.Fprintln(c.Stdout, "fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz")
			fmt.Fprintln(c.Stdout, "fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/community/x86_64/APKINDEX.tar.gz")
			fmt.Fprintln(c.Stdout, "v3.22.0-120-g1f3a8e2b4c [https://dl-cdn.alpinelinux.org/alpine/v3.22/main]")
			fmt.Fprintln(c.Stdout, "OK: 26312 distinct packages available")
			return 0
		case "add":
			pkgs := words[1:]
			var missing []string
			for _, p := range pkgs {
				if _, ok := alpinePackages[p]; !ok {
					missing = append(missing, p)
				}
			}
			if len(missing) > 0 {
				fmt.Fprintln(c.Stderr, "ERROR: unable to select packages:")
				for _, p := range missing {
					fmt.Fprintf(c.Stderr, "  %s (no such package):\n    required by: world[%s]\n", p, p)
				}
				return len(missing)
			}
			if err := c.Env.Sleep(c.Ctx, time.Duration(len(pkgs))*4*time.Second); err != nil {
				return 130
			}
			world, _ := g.RootFS.ReadFile("/etc/apk/world")
			have := strings.Fields(string(world))
			for i, p := range pkgs {
				fmt.Fprintf(c.Stdout, "(%d/%d) Installing %s\n", i+1, len(pkgs), p)
				installFiles(g.RootFS, alpinePackages[p])
				if !slices.Contains(have, p) {
					have = append(have, p)
				}
			}
			sort.Strings(have)
			_ = g.RootFS.WriteFile("/etc/apk/world", []byte(strings.Join(have, "\n")+"\n"), 0o644)
			fmt.Fprintf(c.Stdout, "OK: %d MiB in %d packages\n", 40+30*len(have), 20+len(have))
			return 0
		case "info":
			world, _ := g.RootFS.ReadFile("/etc/apk/world")
			if len(words) > 1 {
				for _, p := range strings.Fields(string(world)) {
					if p == words[1] {
						fmt.Fprintln(c.Stdout, p)
						return 0
					}
				}
				return 1
			}
			_, _ = c.Stdout.Write(world)
			return 0
		}
		fmt.Fprintf(c.Stderr, "apk: unknown command '%s'\n", words[0])
		return 1
	}
}

func (s *Simulator) aptProgram(g *guest, family string) shell.Program {
	return func(c *shell.Call) int {
		yes := false
		var words []string
		for _, a := range c.Args[1:] {
			switch {
			case a == "-y" || a == "--yes" || a == "--assume-yes" || a == "-qy" || a == "-yq":
				yes = true
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
			fmt.Fprintln(c.Stdout, "Hit:1 http://deb.debian.org/debian bookworm InRelease")
			fmt.Fprintln(c.Stdout, "Hit:2 http://security.debian.org bookworm-security InRelease")
			fmt.Fprintln(c.Stdout, "Reading package lists... Done")
			return 0
		case "install":
			available := aptAvailable(g, family)
			pkgs := words[1:]
			for _, p := range pkgs {
				if _, ok := available[p]; !ok {
					fmt.Fprintln(c.Stdout, "Reading package lists...")
					fmt.Fprintf(c.Stderr, "E: Unable to locate package %s\n", p)
					return 100
				}
			}
			fmt.Fprintln(c.Stdout, "Reading package lists...\nBuilding dependency tree...\nReading state information...")
			fmt.Fprintf(c.Stdout, "The following NEW packages will be installed:\n  %s\n", strings.Join(pkgs, " "))
			if !yes {
				fmt.Fprintln(c.Stdout, "Do you want to continue? [Y/n] Abort.")
				return 1
			}
			if err := c.Env.Sleep(c.Ctx, time.Duration(len(pkgs))*6*time.Second); err != nil {
				return 130
			}
			for _, p := range pkgs {
				fmt.Fprintf(c.Stdout, "Setting up %s ...\n", p)
				installFiles(g.RootFS, available[p])
				markInstalled(g.RootFS, p)
				if strings.HasSuffix(available[p][len(available[p])-1], "docker.service") {
					// Debian's postinst enables and starts the daemon.
					_ = g.RootFS.MkdirAll("/etc/systemd/system/multi-user.target.wants", 0o755)
					_ = g.RootFS.WriteFile("/etc/systemd/system/multi-user.target.wants/docker.service", nil, 0o644)
					dockerdStart(g)
				}
			}
			return 0
		}
		fmt.Fprintf(c.Stderr, "E: Invalid operation %s\n", words[0])
		return 100
	}
}

func aptAvailable(g *guest, family string) map[string]pkgFiles {
	out := map[string]pkgFiles{}
	for k, v := range debianPackages {
		out[k] = v
	}
	if family == "ubuntu" {
		for k, v := range ubuntuExtra {
			out[k] = v
		}
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

func markInstalled(t *vfs.Tree, pkg string) {
	status, _ := t.ReadFile("/var/lib/dpkg/status")
	_ = t.WriteFile("/var/lib/dpkg/status", append(status, []byte("Package: "+pkg+"\nStatus: install ok installed\n\n")...), 0o644)
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
