package pvesim

import (
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// Healthchecks. A container whose compose service defines a healthcheck
// is "starting" until its first probe passes, one interval after it
// started (dockerd's monitor runs the first probe after Interval; the
// default is 30 s, daemon/health.go defaultProbeInterval), then "healthy".
// docker ps shows it in the status ("Up 5 seconds (health: starting)",
// "(healthy)") and compose ps in Health. Probes are not run: a defined
// check passes, unless the container's process hangs (HangService): then
// each probe fails, and dockerd marks the container unhealthy once
// Retries probes in a row failed (daemon/health.go: FailingStreak >=
// retries, defaultProbeRetries 3), at the earliest Retries intervals after
// the hang. It stays unhealthy while it runs: dockerd never restarts an
// unhealthy container (only Swarm does), and neither does compose up,
// which leaves a running container whose configuration is unchanged alone.
// A restart starts a new process, healthy again after its first probe.

// defaultHealthInterval is dockerd's probe interval when none is set.
const defaultHealthInterval = 30 * time.Second

// defaultHealthRetries is dockerd's count of failed probes in a row that
// make a container unhealthy (daemon/health.go defaultProbeRetries).
const defaultHealthRetries = 3

// healthInterval reads compose-go's healthcheck: the interval, and false
// when the service has none or disables it (disable: true, test: [NONE]).
func healthInterval(h *types.HealthCheckConfig) (time.Duration, bool) {
	if h == nil || h.Disable || len(h.Test) > 0 && h.Test[0] == "NONE" {
		return 0, false
	}
	if h.Interval != nil && *h.Interval > 0 {
		return time.Duration(*h.Interval), true
	}
	return defaultHealthInterval, true
}

// healthIntervalV1 reads Compose v1's raw healthcheck mapping the same way;
// v1 writes durations as "10s", "1m30s" (compose/config/types.py).
func healthIntervalV1(raw any) (time.Duration, bool) {
	h, ok := raw.(map[string]any)
	if !ok {
		return 0, false
	}
	if d, _ := h["disable"].(bool); d {
		return 0, false
	}
	if test, _ := h["test"].([]any); len(test) > 0 && test[0] == "NONE" {
		return 0, false
	}
	if s, ok := h["interval"].(string); ok {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			return d, true
		}
	}
	return defaultHealthInterval, true
}

// health is the container's health as docker reports it: "" without a
// healthcheck, else starting or healthy by the simulated time since start,
// or unhealthy when its process hung long enough ago.
func health(svc composeService, clk clock) string {
	switch {
	case !svc.Healthcheck || svc.State != "running":
		return ""
	case hung(svc) && clk.simulatedAge(svc.HungAt) >= defaultHealthRetries*svc.HealthInterval:
		return "unhealthy"
	case clk.simulatedAge(svc.StartedAt) < svc.HealthInterval:
		return "starting"
	}
	return "healthy"
}

// hung tells whether the running container's process hangs: it hung after
// its last start.
func hung(svc composeService) bool {
	return svc.State == "running" && !svc.HungAt.IsZero() && !svc.HungAt.Before(svc.StartedAt)
}

// HangService makes the process of a compose service's container in CT
// vmid hang, as an app that deadlocked does, for tests of what a user sees
// then: the container keeps running, its healthcheck probes fail (it turns
// unhealthy after defaultHealthRetries intervals) and its published port
// accepts connections but never answers (wget_busybox.go). A restart or a
// recreate of the container ends it. It fails when the container is not
// running.
func (s *Simulator) HangService(vmid int, project, service string) error {
	s.mu.Lock()
	g, ok := s.currentGuest(vmid)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no CT %d", vmid)
	}
	p := loadProject(g, project)
	if p == nil || p.service(service) == nil || p.service(service).State != "running" {
		return fmt.Errorf("CT %d has no running container of service %s in project %s", vmid, service, project)
	}
	p.service(service).HungAt = time.Now()
	saveProject(g, p)
	return nil
}

// healthSuffix is the status' health part: " (health: starting)", " (healthy)".
func healthSuffix(svc composeService, clk clock) string {
	switch h := health(svc, clk); h {
	case "":
		return ""
	case "starting":
		return " (health: starting)"
	default:
		return " (" + h + ")"
	}
}
