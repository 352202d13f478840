package pvesim

import (
	"strings"
	"testing"
)

// healthFile has one service whose first probe is an hour away, one whose
// first probe (1 s, 1 ms at the tests' time scale) has passed, one with its
// healthcheck disabled and one without any.
const healthFile = "services:\n" +
	"  slow:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1h\n" +
	"  quick:\n    image: redis:7\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n" +
	"  off:\n    image: nginx:1.27\n    container_name: off\n    healthcheck:\n      disable: true\n" +
	"  plain:\n    image: redis:7\n    container_name: plain\n"

// TestComposeHealthchecks: docker ps shows a container with a healthcheck
// as "(health: starting)" until one interval after its start (dockerd runs
// the first probe then), "(healthy)" after; none without a check. Compose
// v2's ps --format json gives it as Health, Compose v1's table as
// "Up (health: starting)" (compose/container.py human_readable_health_status).
func TestComposeHealthchecks(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 150)
	debian12Compose(t, sim, 151)
	for vmid, compose := range map[int]string{150: "docker compose", 151: "docker-compose"} {
		if code, _, errOut := inCT(t, sim, vmid, "cat > /opt/app/compose.yaml && "+compose+" -f /opt/app/compose.yaml -p hc up -d", healthFile); code != 0 {
			t.Fatalf("%s up: %s", compose, errOut)
		}
		_, out, _ := inCT(t, sim, vmid, "sleep 0.05; docker ps --format '{{.Names}}|{{.Status}}'", "")
		status := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			name, st, _ := strings.Cut(line, "|")
			status[strings.TrimPrefix(strings.TrimPrefix(name, "hc-"), "hc_")] = st
		}
		sep := map[int]string{150: "-", 151: "_"}[vmid] // v2 names hc-slow-1, v1 hc_slow_1
		for svc, want := range map[string]string{"slow": "(health: starting)", "quick": "(healthy)"} {
			if st := status[svc+sep+"1"]; !strings.HasPrefix(st, "Up ") || !strings.HasSuffix(st, want) {
				t.Errorf("%s: %s is %q, want %s (%v)", compose, svc, st, want, status)
			}
		}
		for _, name := range []string{"off", "plain"} {
			if st := status[name]; !strings.HasPrefix(st, "Up ") || strings.Contains(st, "(") {
				t.Errorf("%s: %s is %q, want no health", compose, name, st)
			}
		}
	}
	_, out, _ := inCT(t, sim, 150, "docker compose -p hc ps --format json slow", "")
	if !strings.Contains(out, `"Health":"starting"`) {
		t.Errorf("compose ps json: %s", out)
	}
	_, out, _ = inCT(t, sim, 151, "docker-compose -f /opt/app/compose.yaml -p hc ps", "")
	if !strings.Contains(out, "Up (health: starting)") || !strings.Contains(out, "Up (healthy)") {
		t.Errorf("compose v1 ps:\n%s", out)
	}
}
