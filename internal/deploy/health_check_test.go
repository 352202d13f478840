package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseHealth reads the health check's part of an app's output as
// BusyBox's wget -q -S prints it (networking/wget.c: response lines on
// stderr with two leading spaces, "wget: server returned error: ..." for
// 4xx/5xx, libbb's "can't connect to remote host (...)"), and GNU wget's
// exit status when it prints no reason.
func TestParseHealth(t *testing.T) {
	cases := []struct {
		out    string
		ok     bool
		answer string
	}{
		{"@@ health /\n  HTTP/1.1 200 OK\n  Server: nginx\n@@ health-exit 0", true, "HTTP/1.1 200 OK"},
		{"@@ health /\n  HTTP/1.1 302 Found\n  Location: /login\n  HTTP/1.1 200 OK\n@@ health-exit 0", true, "HTTP/1.1 200 OK"},
		{"@@ health /x\n  HTTP/1.1 404 Not Found\nwget: server returned error: HTTP/1.1 404 Not Found\n@@ health-exit 1", false, "HTTP/1.1 404 Not Found"},
		{"@@ health /\nwget: can't connect to remote host (127.0.0.1): Connection refused\n@@ health-exit 1", false,
			"can't connect to remote host (127.0.0.1): Connection refused"},
		{"@@ health /\nwget: download timed out\n@@ health-exit 1", false, "download timed out"},
		{"@@ health /\n@@ health-exit 4", false, "no answer (wget exit status 4: connection refused, timed out or reset)"},
		{"@@ health /\n@@ health-exit 5", false, "wget exited 5"},
		{"@@ health /\nsh: wget: not found\n@@ health-exit 127", false, "sh: wget: not found"},
		{"@@ health /\n  HTTP/1.1 200 OK\n", false, "the check did not finish"},
	}
	for _, tc := range cases {
		r := parseHealth(strings.Split("web|web|running|nginx|Up 1 second\n"+tc.out, "\n"))
		if r == nil || r.OK != tc.ok || r.Answer != tc.answer {
			t.Errorf("%q: %+v, want ok=%v %q", tc.out, r, tc.ok, tc.answer)
		}
	}
	if r := parseHealth([]string{"web|web|running|nginx|Up 1 second"}); r != nil {
		t.Errorf("no check: %+v", r)
	}
}

// TestHealthPathRules: a path starts with "/" and holds only what a URL
// path and query may hold as is; the catalog's path is the default.
func TestHealthPathRules(t *testing.T) {
	for _, p := range []string{"/", "/status.php", "/api/v1/health?full=1", "/a%20b", "/it's"} {
		if err := CheckHealthPath(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"", "status.php", "/a b", "/x\n", "/`id`", "/$(id)\"", "/a#b", "/\\x", "/a\"b"} {
		if err := CheckHealthPath(p); err == nil {
			t.Errorf("%q passed", p)
		}
	}
}

// TestCreateRunsHealthCheck: a create with a health check records its path
// in the container and checks it after the services, as a step; a path the
// app does not serve fails the create naming the path and the answer
// (nginx answers 404, as the real image's default.conf does).
func TestCreateRunsHealthCheck(t *testing.T) {
	d, _ := newService(t)
	app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "ok", HealthPath: "/"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	last := app.Log[len(app.Log)-1]
	if last.Name != "health check" || last.Message != "GET /: HTTP/1.1 200 OK" {
		t.Errorf("last step: %+v", last)
	}
	_, health, known, err := d.ReadAppServicesHealth(context.Background(), app.Node, app.VMID, "nginx")
	if err != nil || !known || health == nil || !health.OK || health.Path != "/" || !health.Default {
		t.Errorf("read: %+v %v %v", health, known, err)
	}
	defer func(old time.Duration) { HealthWait = old }(HealthWait)
	HealthWait = 200 * time.Millisecond
	_, err = d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "bad", HealthPath: "/missing"}, func(App) {})
	var he *HealthError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "GET /missing: HTTP/1.1 404 Not Found") {
		t.Errorf("got %v", err)
	}
}

// TestHealthCheckOnDebian: on Debian 12's template (Compose v1, GNU Wget)
// the check passes as on Alpine's, and a stopped main service reads as GNU
// Wget's exit status 4 says (it prints nothing with -q).
func TestHealthCheckOnDebian(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "deb", HealthPath: "/",
		Template: "debian-12-standard_12.7-1_amd64.tar.zst"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	if last := app.Log[len(app.Log)-1]; last.Message != "GET /: HTTP/1.1 200 OK" {
		t.Errorf("last step: %+v", last)
	}
	if err := d.inContainer(ctx, app.Node, app.VMID, "docker-compose", "-f", "/opt/proximity/nginx/compose.yaml", "-p", "nginx", "stop"); err != nil {
		t.Fatal(err)
	}
	_, health, _, err := d.ReadAppServicesHealth(ctx, app.Node, app.VMID, "nginx")
	if err != nil || health == nil || health.OK || !strings.Contains(health.Answer, "exit status 4") {
		t.Errorf("stopped: %+v %v", health, err)
	}
}
