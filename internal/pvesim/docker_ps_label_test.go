package pvesim

import (
	"strings"
	"testing"
)

// TestDockerPSFormatLabel: docker ps's --format fills {{.Label "key"}} with
// the container's label, and with nothing for a label it does not carry, as
// docker/cli's ContainerContext.Label does (cli/command/formatter/container.go);
// compose labels every container with its project and service
// (com.docker.compose.project, com.docker.compose.service), Compose v1 and v2 alike.
func TestDockerPSFormatLabel(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 141)
	file := "services:\n  web:\n    image: nginx:1.27\n"
	if code, _, errOut := inCT(t, sim, 141, "cat > /opt/app/compose.yaml && docker compose -f /opt/app/compose.yaml -p shop up -d", file); code != 0 {
		t.Fatalf("up: %d %s", code, errOut)
	}
	format := `'{{.Label "com.docker.compose.project"}}|{{.Label "com.docker.compose.service"}}|{{.Label "nope"}}|{{.State}}'`
	_, out, _ := inCT(t, sim, 141, "docker ps -a --format "+format, "")
	if got := strings.TrimSpace(out); got != "shop|web||running" {
		t.Errorf("docker ps --format with labels: %q", got)
	}
}
