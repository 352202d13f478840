package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// healthApp is a user catalog app whose web service has a healthcheck with
// the given probe interval (simulated time; the tests' scale makes 1s 1ms).
func healthApp(t *testing.T, interval string) *catalog.Catalog {
	t.Helper()
	app := `{"items": [{"id": "hc", "name": "HC", "description": "Healthcheck test app.", "version": "1", "category": "Web Server",
  "docker_compose": {"services": {
    "web": {"image": "nginx:1.27.4-alpine", "restart": "unless-stopped", "ports": ["80:80"],
            "healthcheck": {"test": ["CMD", "true"], "interval": "` + interval + `"}},
    "cache": {"image": "redis:7", "restart": "unless-stopped"}}},
  "ports": [80], "environment": {}, "min_memory": 128, "min_cpu": 1, "min_disk": 1}]}`
	file := filepath.Join(t.TempDir(), "hc.json")
	if err := os.WriteFile(file, []byte(app), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestServicesCheckWaitsForHealth: a service with a healthcheck counts once
// docker reports it healthy, after its first probe (400 s simulated, 0.4 s
// here), not while it is "(health: starting)".
func TestServicesCheckWaitsForHealth(t *testing.T) {
	d, _ := newService(t)
	d.Catalog = healthApp(t, "400s")
	created, err := d.Create(context.Background(), Spec{CatalogID: "hc", Hostname: "hc"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	var upStarted, checkEnded time.Time
	for _, s := range created.Log {
		switch s.Name {
		case "compose up":
			upStarted = s.StartedAt
		case "check services":
			checkEnded = s.StartedAt.Add(s.Duration)
		}
	}
	// The container starts during compose up; its first probe passes 0.4 s later.
	if got := checkEnded.Sub(upStarted); got < 400*time.Millisecond {
		t.Errorf("services checked %v after compose up began, before web's first probe", got)
	}
}

// TestServicesCheckFailsWhileStarting: a healthcheck that has not passed by
// the end of the wait fails the deployment, naming the health state.
func TestServicesCheckFailsWhileStarting(t *testing.T) {
	d, _ := newService(t)
	d.Catalog = healthApp(t, "1h")
	defer func(old time.Duration) { ServicesWait = old }(ServicesWait)
	ServicesWait = 500 * time.Millisecond
	_, err := d.Create(context.Background(), Spec{CatalogID: "hc", Hostname: "hc"}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), "service web of hc did not keep running after compose up: web is running (Up ") ||
		!strings.Contains(err.Error(), "(health: starting))") {
		t.Fatalf("got %v", err)
	}
}
