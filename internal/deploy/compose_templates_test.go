package deploy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// newServiceOn is newService on a simulator of one PVE release.
func newServiceOn(t *testing.T, release string) *Service {
	t.Helper()
	sim := pvesimtest.Start(t, pvesim.Options{PVEVersion: release})
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM,
		Retry: pveclient.RetryConfig{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runner.Close)
	cat, _ := catalog.Embedded()
	ports := &allocstore.Allocator{Store: &allocstore.LocalStore{Path: filepath.Join(t.TempDir(), "allocations.json")},
		Public: allocstore.Range{From: 8100, To: 8999}, Internal: allocstore.Range{From: 9100, To: 9999}}
	return &Service{Client: client, Nodes: runner, Ports: ports, Catalog: cat, Backups: &backups.Service{Client: client}}
}

// inApp runs argv in an app's container and returns its stdout and stderr.
func inApp(t *testing.T, d *Service, app App, argv ...string) (string, string) {
	t.Helper()
	res, err := d.Nodes.Run(context.Background(), app.Node, PctExec(app.VMID, argv...), nil)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v: exit %d %v\n%s%s", argv, res.ExitCode, err, res.Stdout, res.Stderr)
	}
	return res.Stdout, res.Stderr
}

// stepMessage is the message of a step of the deployment log.
func stepMessage(t *testing.T, log []Step, name string) string {
	t.Helper()
	for _, s := range log {
		if s.Name == name {
			return s.Message
		}
	}
	t.Fatalf("no step %q in %+v", name, log)
	return ""
}

// composeTemplates are the templates the README supports, with the compose
// each one's own archive gives (distro_archives.go in the simulator): v2
// from docker-cli-compose, docker-compose-v2 and Debian 13's docker-compose,
// v1 only on Debian 12.
var composeTemplates = []struct{ release, template, compose string }{
	{"8.4", "alpine-3.22-default_20250617_amd64.tar.xz", "docker compose 2.36.2"},
	{"8.4", "debian-12-standard_12.7-1_amd64.tar.zst", "docker-compose 1.29.2"},
	{"8.4", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "docker compose 2.40.3+ds1-0ubuntu1~24.04.1"},
	{"9.1", "alpine-3.22-default_20250617_amd64.tar.xz", "docker compose 2.36.2"},
	{"9.1", "debian-12-standard_12.12-1_amd64.tar.zst", "docker-compose 1.29.2"},
	{"9.1", "debian-13-standard_13.1-2_amd64.tar.zst", "docker compose 2.26.1-4"},
	{"9.1", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "docker compose 2.40.3+ds1-0ubuntu1~24.04.1"},
}

// TestComposeOnEveryTemplate deploys a two-service app (depends_on) on
// every supported template with a password holding a $, and checks the
// compose the container answered was used, the services run, and compose
// itself reads the value back unchanged (`config` writes a literal $ as
// $$; an unescaped one would have been interpolated away with a warning).
func TestComposeOnEveryTemplate(t *testing.T) {
	for _, tc := range composeTemplates {
		t.Run(tc.release+"/"+strings.SplitN(tc.template, "_", 2)[0], func(t *testing.T) {
			d := newServiceOn(t, tc.release)
			created, err := d.Create(context.Background(), Spec{CatalogID: "wordpress", Hostname: "blog", Template: tc.template,
				Environment: map[string]string{"DB_PASSWORD": "pa$word"}}, func(App) {})
			app := created.App
			if err != nil {
				for _, s := range app.Log {
					t.Logf("%s %s %s", s.Name, s.Status, s.Message)
				}
				t.Fatal(err)
			}
			if got := stepMessage(t, app.Log, "install container runtime"); got != tc.compose {
				t.Errorf("compose %q, want %q", got, tc.compose)
			}
			if got := stepMessage(t, app.Log, "check services"); got != "db, wordpress running" && got != "wordpress, db running" {
				t.Errorf("check services: %q", got)
			}
			argv := []string{"docker", "compose"}
			if strings.HasPrefix(tc.compose, "docker-compose ") {
				argv = []string{"docker-compose"}
			}
			out, errOut := inApp(t, d, app, append(argv, "-f", "/opt/proximity/wordpress/compose.yaml", "-p", "wordpress", "config")...)
			if !strings.Contains(out, "WORDPRESS_DB_PASSWORD: pa$$word") || strings.Contains(errOut, "not set") {
				t.Errorf("compose config does not hold pa$word:\n%s\n%s", out, errOut)
			}
		})
	}
}

// TestRestartLoopFailsWithItsLogs: a service whose entrypoint exits (the
// simulator's mariadb without a root password, restart: unless-stopped)
// never settles; the deployment fails before its deadline with the
// service's own log lines, on Compose v2 and v1 alike.
func TestRestartLoopFailsWithItsLogs(t *testing.T) {
	for _, template := range []string{"alpine-3.22-default_20250617_amd64.tar.xz", "debian-12-standard_12.7-1_amd64.tar.zst"} {
		t.Run(strings.SplitN(template, "_", 2)[0], func(t *testing.T) {
			d := newServiceOn(t, "8.4")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			defer func(old time.Duration) { ServicesWait = old }(ServicesWait)
			ServicesWait = time.Second
			_, err := d.Create(ctx, Spec{CatalogID: "wordpress", Hostname: "blog", Template: template,
				Environment: map[string]string{"DB_ROOT_PASSWORD": ""}}, func(App) {})
			if err == nil {
				t.Fatal("a restart loop deployed")
			}
			for _, want := range []string{"service db of wordpress did not keep running after compose up: db is restarting",
				"Database is uninitialized and password option is not specified"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if ctx.Err() != nil || time.Since(start) > 15*time.Second {
				t.Errorf("failed after %v, not within the services' wait", time.Since(start))
			}
		})
	}
}
