package catalog

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

// The compose settings of a user catalog are held to two rules. First, an
// app's files stay inside its catalog entry: compose directives that read
// files on the machine running Terraform (include, extends.file, env_file,
// label_file, build) would copy that machine's files, a CI runner's secrets
// for example, into a container, so user catalogs may not use them. Second,
// settings that widen a container's reach over its node are listed, and
// deploying them needs the provider's allow_host_access.

// checkSelfContained refuses what reads files outside the catalog entry.
func (a *App) checkSelfContained(fail func(field, format string, args ...any) error) error {
	if _, ok := a.DockerCompose["include"]; ok {
		return fail("docker_compose", "include reads compose files from the machine running Terraform; put the services in this entry")
	}
	for _, name := range sortedServiceNames(a.DockerCompose) {
		svc, _ := a.DockerCompose["services"].(map[string]any)[name].(map[string]any)
		if ext, ok := svc["extends"].(map[string]any); ok {
			if _, ok := ext["file"]; ok {
				return fail("docker_compose", "service %q: extends.file reads a file from the machine running Terraform; extend a service of this entry", name)
			}
		}
		for _, key := range []string{"env_file", "label_file", "build"} {
			if _, ok := svc[key]; ok {
				return fail("docker_compose", "service %q: %s reads files from the machine running Terraform; "+
					"use environment, labels or a published image instead", name, key)
			}
		}
	}
	return nil
}

// sensitiveMount reports whether a bind mount of this host path gives a
// container the node: the root, the kernel's views (/proc, /sys, /dev),
// the runtime directories where the Docker socket lives (/run, /var/run,
// /var/lib/docker) and their parents.
func sensitiveMount(p string) bool {
	p = path.Clean(p)
	for _, s := range []string{"/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/docker"} {
		if p == s || strings.HasPrefix(p, s+"/") || strings.HasPrefix(s, p+"/") || p == "/" {
			return true
		}
	}
	return false
}

// HostReach lists the settings that widen the app's reach beyond its own
// container, read from the compose project as docker compose would build
// it with env (so interpolation cannot hide them): privileged mode, the
// host's network, PID, IPC, UTS, user or cgroup namespace, unconfined
// security options, added capabilities, devices, and bind mounts (direct
// or through a volume's driver options) of sensitive host paths. Empty for
// a self-contained app.
func (a *App) HostReach(env map[string]string) []string {
	merged := map[string]string{}
	for k, v := range a.Environment {
		merged[k] = v
	}
	for k, v := range env {
		merged[k] = v
	}
	project, err := a.Project(context.Background(), merged)
	if err != nil {
		return []string{"the compose document does not load: " + err.Error()}
	}
	var out []string
	add := func(svc, format string, args ...any) {
		out = append(out, "service "+svc+": "+fmt.Sprintf(format, args...))
	}
	names := make([]string, 0, len(project.Services))
	for n := range project.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		svc := project.Services[name]
		if svc.Privileged {
			add(name, "privileged")
		}
		for _, ns := range []struct{ key, value string }{
			{"network_mode", svc.NetworkMode}, {"pid", svc.Pid}, {"ipc", svc.Ipc},
			{"uts", svc.Uts}, {"userns_mode", svc.UserNSMode}, {"cgroup", svc.Cgroup},
		} {
			if ns.value == "host" {
				add(name, "%s host", ns.key)
			}
		}
		for _, opt := range svc.SecurityOpt {
			if strings.Contains(opt, "unconfined") {
				add(name, "security_opt %s", opt)
			}
		}
		if len(svc.CapAdd) > 0 {
			add(name, "cap_add %v", svc.CapAdd)
		}
		for _, d := range svc.Devices {
			add(name, "device %s", d.Source)
		}
		for _, v := range svc.Volumes {
			switch {
			case v.Type == "bind" && sensitiveMount(v.Source):
				add(name, "bind mount of %s", v.Source)
			case v.Type == "volume" && v.Source != "":
				if vol, ok := project.Volumes[v.Source]; ok {
					if dev := vol.DriverOpts["device"]; dev != "" && strings.Contains(vol.DriverOpts["o"], "bind") && sensitiveMount(dev) {
						add(name, "volume %s binds %s", v.Source, dev)
					}
				}
			}
		}
	}
	return out
}

func sortedServiceNames(compose map[string]any) []string {
	services, _ := compose["services"].(map[string]any)
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
