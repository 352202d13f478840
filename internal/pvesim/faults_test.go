package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestParseFaults(t *testing.T) {
	good := []string{
		"",
		"595:GET /cluster/resources=0.2",
		"500:POST /nodes/{node}/lxc=1x2|got timeout;latency:* /nodes/*/lxc/*/status/current=50ms",
		"taskfail:vzcreate=1x1;taskslow:vzdump=10s;exec:docker=0.5;drop:GET /version=0.1;lock:PUT /nodes/*/lxc/*/config=0.3;locked:PUT " +
			"/nodes/*/lxc/*/config=1|snapshot",
	}
	for _, spec := range good {
		if _, err := ParseFaults(spec); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	bad := map[string]string{
		"boom:GET /x=1":       "unknown kind",
		"500:/x=1":            "METHOD /path",
		"500:GET /x":          "missing '=VALUE'",
		"500:GET /x=2":        "probability",
		"latency:GET /x=fast": "duration",
		"taskfail:vzdump=1x0": "positive integer",
		"500:GET /x[=1":       "bad path pattern",
		"taskfail=1":          "KIND:TARGET",
	}
	for spec, want := range bad {
		_, err := ParseFaults(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error mentioning %q", spec, err, want)
		}
	}
}

func TestInjectedStatusesAndCounts(t *testing.T) {
	sim := startSim(t, Options{Faults: "595:GET /cluster/resources=1x2;lock:PUT /nodes/{node}/lxc/{vmid}/config=1x1"})
	for i := 0; i < 2; i++ {
		r := call(t, sim, http.MethodGet, "/cluster/resources", nil)
		if r.Status != 595 || r.Reason != "Connection refused" {
			t.Fatalf("call %d: %d %q", i, r.Status, r.Reason)
		}
	}
	if r := call(t, sim, http.MethodGet, "/cluster/resources", nil); r.Status != 200 {
		t.Fatalf("third call should pass: %d", r.Status)
	}
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"memory": {"1024"}})
	if r.Reason != "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout" {
		t.Errorf("lock fault: %d %q", r.Status, r.Reason)
	}
	st := sim.Stats()
	if st.Requests["GET /cluster/resources"] != 3 || st.Faults != 3 {
		t.Errorf("stats %+v", st)
	}
	if st.Tasks["vzcreate"] != 1 {
		t.Errorf("task counts %v", st.Tasks)
	}
}

// TestFailedCreateLeavesNothing: a create task that fails removes the guest and its disk, as PVE does.
func TestFailedCreateLeavesNothing(t *testing.T) {
	sim := startSim(t, Options{Faults: "taskfail:vzcreate=1x1"})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"100"}, "ostemplate": {"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}, "rootfs": {"local-lvm:8"}})
	status := waitTask(t, sim, mustString(t, data(r)))
	if !strings.HasPrefix(status, "unable to create CT 100 - ") {
		t.Fatalf("exit status %q", status)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil); r.Status != 500 {
		t.Errorf("guest left behind: %s", r.Raw)
	}
	if vols := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local-lvm/content", nil))); len(vols) != 0 {
		t.Errorf("disk left behind: %v", vols)
	}
	createCT(t, sim, "pve1", 100, nil) // the fault fired once; the id is free again
}

// TestFaultsAreReproducible: the same seed and request order inject the same faults.
func TestFaultsAreReproducible(t *testing.T) {
	pattern := func(seed int64) string {
		sim := startSim(t, Options{Seed: seed, Faults: "500:GET /version=0.5"})
		var b strings.Builder
		for i := 0; i < 24; i++ {
			if call(t, sim, http.MethodGet, "/version", nil).Status == 500 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Errorf("seed 7 gave %s then %s", a, b)
	}
	if a == c || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Errorf("seed 7 %s vs seed 8 %s: faults look fixed, not random", a, c)
	}
}

func TestDroppedConnectionAndExecFault(t *testing.T) {
	sim := startSim(t, Options{Faults: "drop:GET /nodes=1x1"})
	req := mustRequest(t, sim, http.MethodGet, "/nodes")
	if resp, err := httpClient(t, sim).Do(req); err == nil {
		resp.Body.Close()
		t.Error("dropped connection answered")
	}
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	if err := sim.SetFaults("exec:apk=1x1|ERROR: https://dl-cdn.alpinelinux.org: temporary error (try again later)"); err != nil {
		t.Fatal(err)
	}
	code, out := runInCT(t, sim, "pve1", "pct exec 100 -- apk add docker")
	if code != 1 || !strings.Contains(out, "temporary error") {
		t.Errorf("exec fault: %d %q", code, out)
	}
	if code, _ := runInCT(t, sim, "pve1", "pct exec 100 -- apk add docker"); code != 0 {
		t.Error("retry after a one-shot exec fault failed")
	}
}

func TestAdminEndpoints(t *testing.T) {
	sim := startSim(t, Options{})
	client := httpClient(t, sim)
	do := func(method, path, body string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, sim.Endpoint()+path, strings.NewReader(body))
		if auth {
			req.Header.Set("Authorization", "PVEAPIToken="+sim.Info().APIToken)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	if code, _ := do("GET", "/_sim/stats", "", false); code != 401 {
		t.Errorf("stats without token: %d", code)
	}
	call(t, sim, http.MethodGet, "/version", nil)
	if code, body := do("GET", "/_sim/stats", "", true); code != 200 || !strings.Contains(body, `"GET /version":1`) {
		t.Errorf("stats: %d %s", code, body)
	}
	if code, body := do("POST", "/_sim/faults", `{"spec":"500:GET /version=1"}`, true); code != 200 {
		t.Fatalf("set faults: %d %s", code, body)
	}
	if r := call(t, sim, http.MethodGet, "/version", nil); r.Status != 500 {
		t.Errorf("fault set over HTTP not applied: %d", r.Status)
	}
	if code, body := do("POST", "/_sim/faults", "nonsense", true); code != 400 || !strings.Contains(body, "missing '=VALUE'") {
		t.Errorf("bad spec: %d %s", code, body)
	}
	if code, _ := do("POST", "/_sim/reset", "", true); code != 200 {
		t.Errorf("reset: %d", code)
	}
	if st := sim.Stats(); len(st.Requests) != 0 {
		t.Errorf("after reset: %v", st.Requests)
	}
}
