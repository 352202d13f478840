package pvesim

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// composeV1Cases are compose files whose fate differs between Compose v1
// and the Compose Specification, with the environment they are loaded in.
// want is the key line of v1's answer (compose/config/validation.py,
// interpolation.py and config.py of docker-compose 1.29.2).
var composeV1Cases = []struct {
	name, file string
	env        []string
	code       int
	want       string
}{
	{"top-level name", "name: shop\nservices:\n  web:\n    image: nginx:1.27\n", nil, 1,
		"'name' does not match any of the regexes: '^x-'"},
	{"depends_on required",
		"services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      db:\n        condition: service_started\n        required: true\n  db:\n" +
			"    image: redis:7\n", nil, 1,
		"services.web.depends_on contains unsupported option: 'required'"},
	{"depends_on without condition", "services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      db: {}\n  db:\n    image: redis:7\n", nil, 1,
		"services.web.depends_on 'condition' is a required property"},
	{"escaped dollar", "services:\n  web:\n    image: nginx:1.27\n    environment:\n      PRICE: \"$$5\"\n", nil, 0, ""},
	{"unset variable", "services:\n  web:\n    image: \"nginx:${TAG}\"\n    environment:\n      A: $UNSET_A\n", []string{"TAG=1.27"}, 0,
		"The UNSET_A variable is not set. Defaulting to a blank string."},
	{"defaults", "services:\n  web:\n    image: \"nginx:${TAG:-1.27}\"\n    environment:\n      B: \"${EMPTY-b}\"\n", []string{"EMPTY="}, 0, ""},
	{"missing required variable", "services:\n  web:\n    image: \"nginx:${TAG:?set TAG}\"\n", nil, 1,
		`Missing mandatory value for "image" option interpolating nginx:${TAG:?set TAG} in service "web": set TAG`},
	{"unknown option", "services:\n  web:\n    imag: nginx\n", nil, 1,
		"Unsupported config option for services.web: 'imag'"},
	{"undefined dependency", "services:\n  web:\n    image: nginx\n    depends_on: [db]\n", nil, 1,
		"Service 'web' depends on service 'db' which is undefined."},
	{"undefined volume", "services:\n  web:\n    image: nginx\n    volumes: [\"data:/x\"]\n", nil, 1,
		`Named volume "data:/x:rw" is used in service "web" but no declaration was found in the volumes section.`},
	{"no image", "services:\n  web:\n    ports: [\"80\"]\n", nil, 1,
		"Service web has neither an image nor a build context specified. At least one must be provided."},
	{"invalid interpolation", "services:\n  web:\n    image: \"$\"\n", nil, 1,
		`Invalid interpolation format for "image" option in service "web": "$"`},
}

// debian12Compose is a Debian 12 container with docker.io and docker-compose.
func debian12Compose(t *testing.T, sim *Simulator, vmid int) {
	t.Helper()
	ctWithRelease(t, sim, vmid, "debian-12")
	if code, out, errOut := inCT(t, sim, vmid, "apt-get install -y docker.io docker-compose && mkdir -p /opt/app", ""); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, errOut)
	}
}

// TestComposeV1Validation runs the simulator's docker-compose 1.29.2 on the
// cases and checks v1's exit status and message.
func TestComposeV1Validation(t *testing.T) {
	sim := startSim(t, Options{})
	debian12Compose(t, sim, 130)
	for _, tc := range composeV1Cases {
		code, _, errOut := simComposeV1Config(t, sim, 130, tc.file, tc.env)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: %d %q, want %d and %q", tc.name, code, errOut, tc.code, tc.want)
		}
	}
	// $$ is a literal $, written back escaped by `config`, as v1's serialize.py does.
	_, out, _ := simComposeV1Config(t, sim, 130, composeV1Cases[3].file, nil)
	if !strings.Contains(out, "PRICE: $$5") || !strings.Contains(out, "version: \"3.9\"") {
		t.Errorf("config output: %q", out)
	}
}

func simComposeV1Config(t *testing.T, sim *Simulator, vmid int, file string, env []string) (int, string, string) {
	t.Helper()
	script := "cat > /opt/app/docker-compose.yml && cd /opt/app && "
	for _, kv := range env {
		script += kv + " "
	}
	return inCT(t, sim, vmid, script+"docker-compose -f docker-compose.yml config", file)
}

// TestComposeV1AgainstRealDockerCompose runs Debian's real docker-compose
// 1.29.2 on the same files and compares exit status and v1's key message
// with the simulator's. CI installs docker-compose and sets
// PROXIMITY_REQUIRE_DOCKER_COMPOSE; locally the test skips without it.
func TestComposeV1AgainstRealDockerCompose(t *testing.T) {
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("PROXIMITY_REQUIRE_DOCKER_COMPOSE") != "" {
			t.Fatal("docker-compose is required (PROXIMITY_REQUIRE_DOCKER_COMPOSE) but not installed: apt-get install -y docker-compose")
		}
		t.Skip("docker-compose (Compose v1, Debian's package) not installed: apt-get install -y docker-compose")
	}
	if out, _ := exec.Command(compose, "version", "--short").Output(); strings.TrimSpace(string(out)) != "1.29.2" {
		t.Skipf("docker-compose on PATH is %q, not Debian 12's 1.29.2", strings.TrimSpace(string(out)))
	}
	sim := startSim(t, Options{})
	debian12Compose(t, sim, 131)
	for _, tc := range composeV1Cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(compose, "-f", "docker-compose.yml", "config")
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, tc.env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		realCode := 0
		var exitErr *exec.ExitError
		if err := cmd.Run(); errors.As(err, &exitErr) {
			realCode = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		simCode, _, simErr := simComposeV1Config(t, sim, 131, tc.file, tc.env)
		if realCode != simCode {
			t.Errorf("%s: real docker-compose exits %d (%q), the simulator's %d (%q)", tc.name, realCode, stderr.String(), simCode, simErr)
		}
		if tc.want != "" && !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: the case's message %q is not what real docker-compose says: %q", tc.name, tc.want, stderr.String())
		}
		// Every line real v1 prints is printed by the simulator too.
		for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if !strings.Contains(simErr, strings.TrimSpace(line)) {
				t.Errorf("%s: real docker-compose says %q, the simulator %q", tc.name, line, simErr)
			}
		}
	}
	// Command-line answers that need no daemon: the version, and ps
	// --format, an option v1 does not have (usage on stderr, status 0).
	for _, args := range [][]string{{"version"}, {"ps", "--format", "json"}} {
		dir := t.TempDir()
		_ = os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte("services:\n  web:\n    image: nginx\n"), 0o644)
		cmd := exec.Command(compose, args...)
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		realCode := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			realCode = exitErr.ExitCode()
		}
		simCode, simOut, simErr := inCT(t, sim, 131, "cd /opt/app && docker-compose "+strings.Join(args, " "), "")
		realFirst, _, _ := strings.Cut(stdout.String()+stderr.String(), "\n")
		if simCode != realCode || (stdout.Len() == 0) != (simOut == "") || !strings.Contains(simOut+simErr, realFirst) {
			t.Errorf("docker-compose %v: real %d %q %q, simulator %d %q %q", args, realCode, stdout.String(), stderr.String(), simCode, simOut, simErr)
		}
	}
}

// TestComposeV1CommandLine checks what Debian 12 users meet beyond config:
// `ps --format json` does not exist in v1 (docopt prints the usage on
// stderr and v1's main exits 0 with nothing on stdout), containers are
// named <project>_<service>_1, and ps is v1's table.
func TestComposeV1CommandLine(t *testing.T) {
	sim := startSim(t, Options{})
	debian12Compose(t, sim, 132)
	file := "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    restart: unless-stopped\n  db:\n    image: mariadb:11.4\n" +
		"    environment:\n      MARIADB_ROOT_PASSWORD: x\n"
	code, _, errOut := inCT(t, sim, 132, "cat > /opt/app/docker-compose.yml && docker-compose -f /opt/app/docker-compose.yml -p shop up -d", file)
	if code != 0 || !strings.Contains(errOut, "Creating shop_web_1 ... done") ||
		!strings.Contains(errOut, `Creating network "shop_default" with the default driver`) {
		t.Fatalf("up: %d %q", code, errOut)
	}
	code, out, errOut := inCT(t, sim, 132, "docker-compose -f /opt/app/docker-compose.yml -p shop ps --format json", "")
	if code != 0 || out != "" || !strings.Contains(errOut, "Usage: ps [options] [--] [SERVICE...]") {
		t.Errorf("ps --format json: %d %q %q", code, out, errOut)
	}
	code, out, _ = inCT(t, sim, 132, "cd /opt/app && docker-compose -p shop ps", "")
	if code != 0 || !strings.Contains(out, "shop_web_1") || !strings.Contains(out, "0.0.0.0:8080->80/tcp,:::8080->80/tcp") ||
		!strings.HasPrefix(strings.Split(out, "\n")[1], "-----") {
		t.Errorf("ps: %d %q", code, out)
	}
	// v1 needs a compose file even to list a project's containers.
	if code, _, errOut := inCT(t, sim, 132, "cd / && docker-compose -p shop ps", ""); code != 1 ||
		!strings.Contains(errOut, "Can't find a suitable configuration file") {
		t.Errorf("ps without a file: %d %q", code, errOut)
	}
	if code, out, _ := inCT(t, sim, 132, "docker ps --format '{{.Names}} {{.State}}'", ""); code != 0 || !strings.Contains(out, "shop_web_1 running") ||
		!strings.Contains(out, "shop_db_1 running") {
		t.Errorf("docker ps: %d %q", code, out)
	}
	// logs of one service attaches to that service's container only
	// (compose/cli/main.py TopLevelCommand.logs).
	if code, out, _ := inCT(t, sim, 132, "docker-compose -f /opt/app/docker-compose.yml -p shop logs --no-color --tail 5 db", ""); code != 0 ||
		!strings.HasPrefix(out, "Attaching to shop_db_1\n") || strings.Contains(out, "shop_web_1") {
		t.Errorf("logs db: %d %q", code, out)
	}
}
