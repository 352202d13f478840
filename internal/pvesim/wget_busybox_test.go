package pvesim

import (
	"strings"
	"testing"
)

// webFile publishes nginx on 8080 and Nextcloud on 80, with redis beside.
const webFile = "services:\n" +
	"  web:\n    image: nginx:1.27.4-alpine\n    ports: [\"8080:80\"]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n" +
	"  nc:\n    image: nextcloud:31.0.2-apache\n    ports: [\"80:80\"]\n" +
	"  cache:\n    image: redis:7\n    ports: [\"6379:6379\"]\n"

// TestBusyboxWget: wget in an Alpine container reaches the ports its compose
// services publish and answers as BusyBox's wget (networking/wget.c): -S
// prints each response line with two leading spaces; 200 succeeds; a 302
// with Location is followed; 404 dies with "server returned error" and
// status 1; a port nobody publishes, or whose container stopped, is
// "Connection refused" (libbb/xconnect.c); a hung server times out after
// -T seconds ("download timed out"), and its health turns unhealthy; a
// restart ends the hang.
func TestBusyboxWget(t *testing.T) {
	sim := startSim(t, Options{})
	alpineCompose(t, sim, 150)
	if code, _, errOut := inCT(t, sim, 150, "cat > /opt/app/compose.yaml && docker compose -f /opt/app/compose.yaml -p app up -d", webFile); code != 0 {
		t.Fatalf("up: %s", errOut)
	}
	wget := func(args string) (int, string) {
		code, out, errOut := inCT(t, sim, 150, "wget "+args, "")
		return code, out + errOut
	}
	cases := []struct {
		args string
		code int
		want []string
	}{
		{"-q -S -O /dev/null -t 1 -T 5 http://127.0.0.1:8080/", 0, []string{"  HTTP/1.1 200 OK\n"}},
		{"-q -S -O /dev/null http://127.0.0.1:8080/missing", 1, []string{"  HTTP/1.1 404 Not Found\n",
			"wget: server returned error: HTTP/1.1 404 Not Found\n"}},
		{"-q -S -O /dev/null http://localhost/", 0, []string{"  HTTP/1.1 302 Found\n  Location: /login\n  HTTP/1.1 200 OK\n"}},
		{"-q -S -O /dev/null http://127.0.0.1/status.php", 0, []string{"  HTTP/1.1 200 OK\n"}},
		{"-q -O /dev/null http://127.0.0.1:9999/", 1, []string{"wget: can't connect to remote host (127.0.0.1): Connection refused\n"}},
		{"-q -O /dev/null http://127.0.0.1:6379/", 1, []string{"wget: error getting response"}},
		{"-q -O /dev/null http://example.com/", 1, []string{"wget: bad address 'example.com'\n"}},
	}
	for _, tc := range cases {
		code, out := wget(tc.args)
		if code != tc.code {
			t.Errorf("wget %s: exit %d, want %d: %s", tc.args, code, tc.code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("wget %s: %q lacks %q", tc.args, out, w)
			}
		}
	}
	if code, out := wget("-q -O /dev/null http://127.0.0.1:8080/"); code != 0 || out != "" {
		t.Errorf("-q without -S printed %q (exit %d)", out, code)
	}
	if err := sim.HangService(150, "app", "web"); err != nil {
		t.Fatal(err)
	}
	if code, out := wget("-q -S -O /dev/null -T 2 http://127.0.0.1:8080/"); code != 1 || out != "wget: download timed out\n" {
		t.Errorf("hung: exit %d: %q", code, out)
	}
	if _, out, _ := inCT(t, sim, 150, "sleep 5; docker ps --format '{{.Names}} {{.Status}}'", ""); !strings.Contains(out, "app-web-1 Up") ||
		!strings.Contains(out, "(unhealthy)") {
		t.Errorf("hung web's status: %s", out)
	}
	if code, _, errOut := inCT(t, sim, 150, "docker compose -p app restart web", ""); code != 0 {
		t.Fatal(errOut)
	}
	if code, out := wget("-q -O /dev/null http://127.0.0.1:8080/"); code != 0 {
		t.Errorf("after the restart: exit %d: %s", code, out)
	}
	if code, _, errOut := inCT(t, sim, 150, "docker compose -p app stop web", ""); code != 0 {
		t.Fatal(errOut)
	}
	if code, out := wget("-q -O /dev/null http://127.0.0.1:8080/"); code != 1 || !strings.Contains(out, "Connection refused") {
		t.Errorf("stopped: exit %d: %s", code, out)
	}
}

// TestGNUWget: a Debian container's wget is GNU Wget: -q prints only -S's
// headers, and the exit status says what failed (wget(1): 4 a network
// failure, 8 an error response), as Debian 12's wget 1.21.3 does.
func TestGNUWget(t *testing.T) {
	sim := startSim(t, Options{})
	debian12Compose(t, sim, 151)
	if code, _, errOut := inCT(t, sim, 151, "cat > /opt/app/compose.yaml && docker-compose -f /opt/app/compose.yaml -p app up -d", webFile); code != 0 {
		t.Fatalf("up: %s", errOut)
	}
	for args, want := range map[string]struct {
		code int
		out  string
	}{
		"-q -S -O /dev/null -t 1 -T 5 http://127.0.0.1:8080/": {0, "  HTTP/1.1 200 OK\n"},
		"-q -S -O /dev/null -t 1 http://127.0.0.1:8080/x":     {8, "  HTTP/1.1 404 Not Found\n"},
		"-q -S -O /dev/null -t 1 http://127.0.0.1:9999/":      {4, ""},
		"-q -S -O /dev/null http://127.0.0.1/":                {0, "  HTTP/1.1 302 Found\n  Location: /login\n  HTTP/1.1 200 OK\n"},
	} {
		code, out, errOut := inCT(t, sim, 151, "wget "+args, "")
		if code != want.code || out+errOut != want.out {
			t.Errorf("wget %s: exit %d %q, want %d %q", args, code, out+errOut, want.code, want.out)
		}
	}
	_, _, errOut := inCT(t, sim, 151, "wget -O /dev/null http://127.0.0.1:8080/x", "")
	if !strings.Contains(errOut, "HTTP request sent, awaiting response... 404 Not Found\n") || !strings.Contains(errOut, "ERROR 404: Not Found.") {
		t.Errorf("GNU wget's log: %q", errOut)
	}
}
