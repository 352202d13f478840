package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// ServiceMissing is the state of a service compose has no container for
// (after `docker compose down` or `docker rm`): docker has no state for it.
const ServiceMissing = "missing"

// ServiceUnknown is the state of every service of an app whose docker did
// not answer (docker ps failed in the container: the daemon is down, or
// Docker was removed): the app is not serving, so it is degraded.
const ServiceUnknown = "unknown"

// DockerError is a docker ps that failed in one app's container. The read
// still gives the app's services, each ServiceUnknown: the refresh goes on
// and shows the app degraded, with this as a warning.
type DockerError struct {
	VMID int
	Msg  string
}

func (e *DockerError) Error() string { return e.Msg }

// ServiceState is one compose service of an application as the docker in
// its container reports it.
type ServiceState struct {
	Name  string
	State string // docker's (running, restarting, exited, created, paused, dead), or ServiceMissing
	Image string // "" when missing
}

// Degraded reports whether some service of a running application is not
// running: the app is drift, which an apply repairs with compose up.
func Degraded(services []ServiceState) bool {
	for _, s := range services {
		if s.State != "running" {
			return true
		}
	}
	return false
}

// servicesApp is one application whose services a node read asks for.
type servicesApp struct {
	vmid  int
	entry *catalog.App
}

// servicesRead is what a node read found for one application.
type servicesRead struct {
	catalogID string
	services  []ServiceState
	err       error
}

// psFormat is what docker ps prints of each container: compose's labels
// name its project and service (Compose v1 and v2 set both), so the one
// command is the same whichever compose the container has. "|" is in no
// project, service or image name.
const psFormat = `{{.Label "com.docker.compose.project"}}|{{.Label "com.docker.compose.service"}}|{{.State}}|{{.Image}}`

// servicesScript is one node script that lists the containers of docker
// in each app's container, read-only (pct exec, docker ps), between
// markers that carry each one's exit status: one app whose container
// stopped meanwhile fails alone.
func servicesScript(apps []servicesApp) string {
	var b strings.Builder
	for _, a := range apps {
		id := strconv.Itoa(a.vmid)
		fmt.Fprintf(&b, "echo '@@ begin %s'; %s 2>&1; echo \"@@ end %s $?\"\n", id, PctExec(a.vmid, "docker", "ps", "-a", "--format", psFormat), id)
	}
	return b.String()
}

// readServicesOn reads the services of apps, all on node, in one SSH session.
func (d *Service) readServicesOn(ctx context.Context, node string, apps []servicesApp) (map[int]servicesRead, error) {
	res, err := d.Nodes.Run(ctx, node, servicesScript(apps), nil)
	if err != nil {
		return nil, fmt.Errorf("reading the services of the apps on node %s: %w", node, err)
	}
	return parseServicesOutput(res.Stdout, apps), nil
}

// parseServicesOutput reads servicesScript's output: each app's block, its
// exit status, and the services its catalog entry defines, in that order.
func parseServicesOutput(out string, apps []servicesApp) map[int]servicesRead {
	blocks := map[int][]string{}
	status := map[int]int{}
	current := -1
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "@@ begin "); ok {
			current, _ = strconv.Atoi(rest)
			blocks[current] = []string{}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "@@ end "); ok {
			fields := strings.Fields(rest)
			if len(fields) == 2 {
				vmid, _ := strconv.Atoi(fields[0])
				status[vmid], _ = strconv.Atoi(fields[1])
			}
			current = -1
			continue
		}
		if current >= 0 && strings.TrimSpace(line) != "" {
			blocks[current] = append(blocks[current], line)
		}
	}
	reads := make(map[int]servicesRead, len(apps))
	for _, a := range apps {
		r := servicesRead{catalogID: a.entry.ID}
		code, ended := status[a.vmid]
		switch {
		case !ended:
			r.services, r.err = unknownServices(a.entry), &DockerError{VMID: a.vmid,
				Msg: fmt.Sprintf("reading the services in CT %d: the node's script ended before it", a.vmid)}
		case code != 0:
			r.services, r.err = unknownServices(a.entry), &DockerError{VMID: a.vmid,
				Msg: fmt.Sprintf("docker ps in CT %d exited %d: %s", a.vmid, code, strings.TrimSpace(strings.Join(blocks[a.vmid], "\n")))}
		default:
			r.services = projectServices(blocks[a.vmid], a.entry)
		}
		reads[a.vmid] = r
	}
	return reads
}

// unknownServices is every service of the app, each ServiceUnknown.
func unknownServices(entry *catalog.App) []ServiceState {
	names := entry.ServiceNames()
	services := make([]ServiceState, len(names))
	for i, name := range names {
		services[i] = ServiceState{Name: name, State: ServiceUnknown}
	}
	return services
}

// projectServices is each service of the app's compose project, in the
// catalog's order, from docker ps's lines: a running container of the
// service wins over others (a scaled or replaced one).
func projectServices(lines []string, entry *catalog.App) []ServiceState {
	found := map[string]ServiceState{}
	for _, line := range lines {
		f := strings.SplitN(line, "|", 4)
		if len(f) != 4 || f[0] != entry.ID {
			continue
		}
		if had, ok := found[f[1]]; ok && had.State == "running" {
			continue
		}
		found[f[1]] = ServiceState{Name: f[1], State: f[2], Image: f[3]}
	}
	names := entry.ServiceNames()
	services := make([]ServiceState, 0, len(names))
	for _, name := range names {
		s, ok := found[name]
		if !ok {
			s = ServiceState{Name: name, State: ServiceMissing}
		}
		services = append(services, s)
	}
	return services
}
