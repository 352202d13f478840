package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	// Health is its Docker healthcheck's verdict while it runs (healthy,
	// unhealthy, starting); "" when its image and compose file define no
	// healthcheck, or it does not run.
	Health string
}

// Health values a running container with a healthcheck reports.
const (
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
	HealthStarting  = "starting"
)

// Degraded reports whether some service of a running application is not
// running, or runs but its healthcheck calls it unhealthy: it is not
// serving, so the app is drift, which an apply repairs (compose up, and a
// restart of the unhealthy ones: restartUnhealthy). A service still
// starting is not: its first probes have not run yet.
func Degraded(services []ServiceState) bool {
	for _, s := range services {
		if s.State != "running" || s.Health == HealthUnhealthy {
			return true
		}
	}
	return false
}

// healthOf reads the health from docker ps's STATUS, which the daemon
// writes as "Up 2 minutes (healthy)", "Up 3 seconds (health: starting)"
// or "Up 1 hour (unhealthy)" for a running container with a healthcheck
// and without the parenthesis otherwise (moby container/state.go
// State.String and container/health.go Health.String; Docker 20.10, in
// Debian 12 with Compose v1, writes it the same).
func healthOf(status string) string {
	switch {
	case !strings.HasPrefix(status, "Up "):
		return ""
	case strings.HasSuffix(status, "(healthy)"):
		return HealthHealthy
	case strings.HasSuffix(status, "(unhealthy)"):
		return HealthUnhealthy
	case strings.HasSuffix(status, "(health: starting)"):
		return HealthStarting
	}
	return ""
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
	health    *HealthResult // nil: the app has no health check (health_check.go)
	err       error
}

// psFormat is what docker ps prints of each container: compose's labels
// name its project and service (Compose v1 and v2 set both), so the one
// command is the same whichever compose the container has; the status
// carries the healthcheck's verdict (healthOf). "|" is in no project,
// service or image name, and the status comes last.
const psFormat = `{{.Label "com.docker.compose.project"}}|{{.Label "com.docker.compose.service"}}|{{.State}}|{{.Image}}|{{.Status}}`

// servicesScript is one node script that lists the containers of docker
// in each app's container, read-only (pct exec, docker ps), and runs its
// health check if it has one (healthScript), between markers that carry
// each docker ps's exit status: one app whose container stopped meanwhile
// fails alone. One pct exec per app does both.
//
// Each app gets servicesAnswerWithin (coreutils' timeout on the node): a
// hung dockerd in one container, ours or another state's, costs that app
// a degraded read and a warning, not the refresh of every app on the node.
// The markers carry marker, a value new to each session that no container
// can know, so that no container's output can pass for another app's block.
func servicesScript(apps []servicesApp, marker string) string {
	var b strings.Builder
	limit := strconv.Itoa(int(servicesAnswerWithin / time.Second))
	for _, a := range apps {
		id := strconv.Itoa(a.vmid)
		inside := Command("docker", "ps", "-a", "--format", psFormat) + " 2>&1; s=$?; " + healthScript(a.entry) + "; exit $s"
		fmt.Fprintf(&b, "echo '%s begin %s'; timeout -k 5 %s %s 2>&1; echo \"%s end %s $?\"\n",
			marker, id, limit, PctExecScript(a.vmid, inside), marker, id)
	}
	return b.String()
}

// servicesAnswerWithin bounds each app's docker ps and health check in a
// node's read; timeoutExit is coreutils timeout's status when it fired.
const (
	servicesAnswerWithin = 30 * time.Second
	timeoutExit          = 124
)

// newMarker is a marker for one session's script: "@@" and 16 random hex
// digits.
func newMarker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "@@" + hex.EncodeToString(b)
}

// readServicesOn reads the services of apps, all on node, in one SSH session.
func (d *Service) readServicesOn(ctx context.Context, node string, apps []servicesApp) (map[int]servicesRead, error) {
	marker := newMarker()
	res, err := d.Nodes.Run(ctx, node, servicesScript(apps, marker), nil)
	if err != nil {
		return nil, fmt.Errorf("reading the services of the apps on node %s: %w", node, err)
	}
	return parseServicesOutput(res.Stdout, apps, marker), nil
}

// parseServicesOutput reads servicesScript's output: each app's block, its
// exit status, and the services its catalog entry defines, in that order.
func parseServicesOutput(out string, apps []servicesApp, marker string) map[int]servicesRead {
	blocks := map[int][]string{}
	status := map[int]int{}
	current := -1
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, marker+" begin "); ok {
			current, _ = strconv.Atoi(rest)
			blocks[current] = []string{}
			continue
		}
		if rest, ok := strings.CutPrefix(line, marker+" end "); ok {
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
		case code == timeoutExit:
			r.services, r.err = unknownServices(a.entry), &DockerError{VMID: a.vmid,
				Msg: fmt.Sprintf("docker ps in CT %d did not answer within %s (is its Docker daemon hung?)", a.vmid, servicesAnswerWithin)}
		case code != 0:
			r.services, r.err = unknownServices(a.entry), &DockerError{VMID: a.vmid,
				Msg: fmt.Sprintf("docker ps in CT %d exited %d: %s", a.vmid, code, strings.TrimSpace(strings.Join(dockerLines(blocks[a.vmid]), "\n")))}
		default:
			r.services = projectServices(blocks[a.vmid], a.entry)
		}
		r.health = markDefault(parseHealth(blocks[a.vmid]), a.entry)
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
		f := strings.SplitN(line, "|", 5)
		if len(f) != 5 || f[0] != entry.ID {
			continue
		}
		if had, ok := found[f[1]]; ok && had.State == "running" {
			continue
		}
		found[f[1]] = ServiceState{Name: f[1], State: f[2], Image: f[3], Health: healthOf(f[4])}
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

// dockerLines are the lines of an app's block that docker ps wrote: those
// before its health check's.
func dockerLines(lines []string) []string {
	for i, line := range lines {
		if strings.HasPrefix(line, "@@ health ") {
			return lines[:i]
		}
	}
	return lines
}
