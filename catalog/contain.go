package catalog

import (
	"fmt"
	"path"
	"slices"
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
				return fail("docker_compose", "service %q: %s reads files from the machine running Terraform; use environment, labels or a published image instead", name, key)
			}
		}
	}
	return nil
}

// sensitiveMounts are host paths whose bind mount gives a container the node.
var sensitiveMounts = []string{"/", "/proc", "/sys", "/var/run/docker.sock", "/run/docker.sock"}

// HostReach lists the settings that widen the app's reach beyond its own
// container: privileged mode, the host's network, PID or IPC namespace,
// added capabilities, devices, and bind mounts of /, /proc, /sys or the
// Docker socket. Empty for a self-contained app.
func (a *App) HostReach() []string {
	var out []string
	for _, name := range sortedServiceNames(a.DockerCompose) {
		svc, _ := a.DockerCompose["services"].(map[string]any)[name].(map[string]any)
		if p, _ := svc["privileged"].(bool); p {
			out = append(out, fmt.Sprintf("service %s: privileged", name))
		}
		for _, ns := range []string{"network_mode", "pid", "ipc"} {
			if v, _ := svc[ns].(string); v == "host" {
				out = append(out, fmt.Sprintf("service %s: %s host", name, ns))
			}
		}
		for _, list := range []string{"cap_add", "devices"} {
			if v, ok := svc[list].([]any); ok && len(v) > 0 {
				out = append(out, fmt.Sprintf("service %s: %s %v", name, list, v))
			}
		}
		vols, _ := svc["volumes"].([]any)
		for _, v := range vols {
			source := ""
			switch t := v.(type) {
			case string:
				source, _, _ = strings.Cut(t, ":")
			case map[string]any:
				source, _ = t["source"].(string)
			}
			if !strings.HasPrefix(source, "/") {
				continue // a named volume, or none
			}
			if slices.Contains(sensitiveMounts, path.Clean(source)) {
				out = append(out, fmt.Sprintf("service %s: bind mount of %s", name, source))
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
