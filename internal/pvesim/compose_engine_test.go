package pvesim

import (
	"encoding/json"
	"strings"
	"testing"
)

// alpineCompose is an Alpine 3.22 container (the provider's default
// template) with docker and docker-cli-compose running.
func alpineCompose(t *testing.T, sim *Simulator, vmid int) {
	t.Helper()
	ctWithRelease(t, sim, vmid, "alpine-3.22")
	if code, out, errOut := inCT(t, sim, vmid,
		"apk add docker docker-cli-compose && rc-update add docker default && service docker start && mkdir -p /opt/app", ""); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, errOut)
	}
}

// psStates is `docker compose ps -a --format json` as service -> State/Status.
func psStates(t *testing.T, sim *Simulator, vmid int, project string) map[string][2]string {
	t.Helper()
	code, out, errOut := inCT(t, sim, vmid, "docker compose -p "+project+" ps -a --format json", "")
	if code != 0 {
		t.Fatalf("ps: %d %s", code, errOut)
	}
	states := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var row struct{ Name, Service, State, Status string }
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("ps line %q: %v", line, err)
		}
		states[row.Service] = [2]string{row.State, row.Status}
	}
	return states
}

// TestComposeV2Interpolation follows compose-go's template package: $VAR,
// ${VAR:-default}, ${VAR:?err} (MissingRequiredError, reported by
// interpolation.Interpolate as "error while interpolating <path>: ..."),
// $$ as a literal $, the project's .env under the process environment,
// and an unset variable left empty with compose's warning
// (template.DefaultReplacementAppliedFunc), logged by logrus as logfmt
// since pct exec gives no terminal.
func TestComposeV2Interpolation(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 140)
	file := "services:\n  web:\n    image: \"nginx:${TAG}\"\n    environment:\n      FROM_DOTENV: $A\n      FROM_SHELL: ${B}\n" +
		"      DEFAULTED: ${C:-dflt}\n      PRICE: \"$$5\"\n      UNSET: \"[$NOPE]\"\n"
	script := "printf 'TAG=1.27\\nA=dotenv\\nB=dotenv\\n' > /opt/app/.env && cat > /opt/app/compose.yaml && cd /opt/app && B=shell docker compose config"
	code, out, errOut := inCT(t, sim, 140, script, file)
	if code != 0 {
		t.Fatalf("config: %d %s", code, errOut)
	}
	for _, want := range []string{"image: nginx:1.27", "FROM_DOTENV: dotenv", "FROM_SHELL: shell", "DEFAULTED: dflt", "PRICE: $$5", "UNSET: '[]'"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, `level=warning msg="The \"NOPE\" variable is not set. Defaulting to a blank string."`) {
		t.Errorf("no warning for the unset variable: %q", errOut)
	}
	code, _, errOut = inCT(t, sim, 140, "cat > /opt/app/compose.yaml && cd /opt/app && docker compose config",
		"services:\n  web:\n    image: \"nginx:${VERSION:?set VERSION first}\"\n")
	if code != 1 ||
		!strings.Contains(errOut, "error while interpolating services.web.image: required variable VERSION is missing a value: set VERSION first") {
		t.Errorf("missing required variable: %d %q", code, errOut)
	}
	// A top-level name and depends_on's required are Compose Specification.
	code, out, errOut = inCT(t, sim, 140, "cat > /opt/app/compose.yaml && cd /opt/app && docker compose config",
		"name: shop\nservices:\n  web:\n    image: nginx\n    depends_on:\n      db: {condition: service_started, required: false}\n  db:\n"+
			"    image: redis\n")
	if code != 0 || !strings.Contains(out, "name: shop") {
		t.Errorf("compose spec file: %d %q %q", code, out, errOut)
	}
}

// TestComposeServiceLifecycle: `docker compose stop <service>` stops that
// service only (compose's stop with a service list), start and restart
// likewise, and `docker ps -a` shows the same containers, names
// (<project>-<service>-1) and states as compose ps.
func TestComposeServiceLifecycle(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 141)
	file := "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    depends_on: [db]\n  db:\n    image: mariadb:11.4\n" +
		"    environment:\n      MARIADB_ROOT_PASSWORD: x\n"
	if code, _, errOut := inCT(t, sim, 141, "cat > /opt/app/compose.yaml && docker compose -f /opt/app/compose.yaml -p shop up -d", file); code != 0 {
		t.Fatalf("up: %d %s", code, errOut)
	}
	if code, _, errOut := inCT(t, sim, 141, "docker compose -f /opt/app/compose.yaml -p shop stop web", ""); code != 0 ||
		!strings.Contains(errOut, "Container shop-web-1  Stopped") || strings.Contains(errOut, "shop-db-1") {
		t.Fatalf("stop web: %d %q", code, errOut)
	}
	states := psStates(t, sim, 141, "shop")
	if states["web"][0] != "exited" || states["db"][0] != "running" {
		t.Errorf("after stop web: %v", states)
	}
	_, running, _ := inCT(t, sim, 141, "docker ps --format '{{.Names}}'", "")
	_, all, _ := inCT(t, sim, 141, "docker ps -a --format '{{.Names}} {{.State}}'", "")
	if strings.TrimSpace(running) != "shop-db-1" || !strings.Contains(all, "shop-web-1 exited") || !strings.Contains(all, "shop-db-1 running") {
		t.Errorf("docker ps %q, docker ps -a %q", running, all)
	}
	if code, _, errOut := inCT(t, sim, 141, "docker compose -p shop start web", ""); code != 0 ||
		!strings.Contains(errOut, "Container shop-web-1  Started") {
		t.Errorf("start web: %d %q", code, errOut)
	}
	if code, _, errOut := inCT(t, sim, 141, "docker compose -p shop restart db", ""); code != 0 || strings.Contains(errOut, "shop-web-1") {
		t.Errorf("restart db: %d %q", code, errOut)
	}
	if states := psStates(t, sim, 141, "shop"); states["web"][0] != "running" || states["db"][0] != "running" {
		t.Errorf("after start and restart: %v", states)
	}
	if code, _, errOut := inCT(t, sim, 141, "docker compose -p shop stop nosuch", ""); code == 0 ||
		!strings.Contains(errOut, "no such service: nosuch") {
		t.Errorf("stop of an unknown service: %d %q", code, errOut)
	}
}

// TestComposeBrokenServices: an image tag the registry does not know fails
// the pull with the daemon's "manifest unknown"; a container whose
// entrypoint cannot start (mariadb's docker-entrypoint.sh without a root
// password option) exits 1, and with restart: unless-stopped dockerd keeps
// restarting it, which ps shows as "Restarting (1) ...".
func TestComposeBrokenServices(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 142)
	code, _, errOut := inCT(t, sim, 142, "cat > /opt/app/compose.yaml && docker compose -f /opt/app/compose.yaml -p bad up -d",
		"services:\n  web:\n    image: nginx:1.27-doesnotexist\n")
	if code != 1 ||
		!strings.Contains(errOut, "Error response from daemon: manifest for nginx:1.27-doesnotexist not found: manifest unknown: manifest unknown") {
		t.Errorf("unknown tag: %d %q", code, errOut)
	}
	file := "services:\n  db:\n    image: mariadb:11.4\n    restart: unless-stopped\n    environment:\n      MARIADB_ROOT_PASSWORD: ${DB_PASSWORD}\n" +
		"  once:\n    image: postgres:17\n"
	code, _, errOut = inCT(t, sim, 142, "cat > /opt/app/compose.yaml && docker compose -f /opt/app/compose.yaml -p loop up -d", file)
	if code != 0 || !strings.Contains(errOut, `The \"DB_PASSWORD\" variable is not set`) {
		t.Fatalf("up: %d %q", code, errOut)
	}
	// up --wait sees the container exit.
	if code, _, errOut := inCT(t, sim, 142, "docker compose -f /opt/app/compose.yaml -p loop up -d --wait db", ""); code != 1 ||
		!strings.Contains(errOut, "container loop-db-1 exited (1)") {
		t.Errorf("up --wait: %d %q", code, errOut)
	}
	states := psStates(t, sim, 142, "loop")
	if states["db"][0] != "restarting" || !strings.HasPrefix(states["db"][1], "Restarting (1) ") || states["once"][0] != "exited" ||
		!strings.HasPrefix(states["once"][1], "Exited (1) ") {
		t.Errorf("states %v", states)
	}
	if _, out, _ := inCT(t, sim, 142, "docker ps", ""); !strings.Contains(out, "Restarting (1) ") || strings.Contains(out, "loop-once-1") {
		t.Errorf("docker ps:\n%s", out)
	}
	if _, out, _ := inCT(t, sim, 142, "docker compose -p loop logs db", ""); !strings.Contains(out,
		"loop-db-1  | [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified") {
		t.Errorf("logs: %q", out)
	}
	// Debian 12's Compose v1 names the state as its ps does.
	debian12Compose(t, sim, 143)
	code, _, errOut = inCT(t, sim, 143, "cat > /opt/app/docker-compose.yml && cd /opt/app && docker-compose -p loop up -d && docker-compose -p loop ps",
		file)
	if code != 0 || !strings.Contains(errOut, "The DB_PASSWORD variable is not set. Defaulting to a blank string.") {
		t.Fatalf("v1 up: %d %q", code, errOut)
	}
	if _, out, _ := inCT(t, sim, 143, "cd /opt/app && docker-compose -p loop ps", ""); !strings.Contains(out, "Restarting") ||
		!strings.Contains(out, "Exit 1") {
		t.Errorf("v1 ps:\n%s", out)
	}
	code, _, errOut = inCT(t, sim, 143, "cat > /opt/app/docker-compose.yml && cd /opt/app && docker-compose up -d",
		"services:\n  web:\n    image: nginx:doesnotexist\n")
	if code != 1 || !strings.Contains(errOut, "manifest for nginx:doesnotexist not found: manifest unknown: manifest unknown") {
		t.Errorf("v1 unknown tag: %d %q", code, errOut)
	}
}
