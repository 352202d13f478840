package pvesim

import (
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// Healthchecks. A container whose compose service defines a healthcheck
// is "starting" until its first probe passes, one interval after it
// started (dockerd's monitor runs the first probe after Interval; the
// default is 30 s, daemon/health.go defaultProbeInterval), then "healthy".
// docker ps shows it in the status ("Up 5 seconds (health: starting)",
// "(healthy)") and compose ps in Health. Probes are not run: a defined
// check always passes.

// defaultHealthInterval is dockerd's probe interval when none is set.
const defaultHealthInterval = 30 * time.Second

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
// healthcheck, else starting or healthy by the simulated time since start.
func health(svc composeService, clk clock) string {
	switch {
	case !svc.Healthcheck || svc.State != "running":
		return ""
	case clk.simulatedAge(svc.StartedAt) < svc.HealthInterval:
		return "starting"
	}
	return "healthy"
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
