package pvesim

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// TestConformance pins the answers of the shared PVE behaviour notes:
// status, reason phrase, message, errors map and JSON types.
func TestConformance(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)

	tests := []struct {
		name       string
		method     string
		path       string
		form       url.Values
		status     int
		reason     string
		errors     map[string]any
		wantData   any
		checkTypes func(t *testing.T, d any)
	}{
		{name: "version", method: "GET", path: "/version", status: 200, reason: "OK",
			wantData: map[string]any{"version": "8.4.1", "release": "8.4", "repoid": "2a5fa54a8503f96d"}},
		{name: "nextid is a string", method: "GET", path: "/cluster/nextid", status: 200, reason: "OK", wantData: "101"},
		{name: "nextid with a free vmid", method: "GET", path: "/cluster/nextid", form: url.Values{"vmid": {"150"}}, status: 200, reason: "OK",
			wantData: "150"},
		{name: "nextid with a used vmid", method: "GET", path: "/cluster/nextid", form: url.Values{"vmid": {"100"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"vmid": "VM 100 already exists"}},
		{name: "integer type check", method: "GET", path: "/cluster/nextid", form: url.Values{"vmid": {"abc"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"vmid": "type check ('integer') failed - got 'abc'"}},
		{name: "minimum", method: "GET", path: "/cluster/nextid", form: url.Values{"vmid": {"99"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"vmid": "value must have a minimum value of 100"}},
		{name: "unknown parameter", method: "GET", path: "/version", form: url.Values{"foo": {"1"}}, status: 400,
			reason: "Parameter verification failed.",
			errors: map[string]any{"foo": "property is not defined in schema and the schema does not allow additional properties"}},
		{name: "missing parameter", method: "POST", path: "/nodes/pve1/lxc", form: url.Values{"vmid": {"120"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"ostemplate": "property is missing and it is not optional"}},
		{name: "form boolean true fails", method: "POST", path: "/nodes/pve1/lxc",
			form: url.Values{"vmid": {"120"}, "ostemplate": {"local:vztmpl/x.tar.zst"}, "unprivileged": {"true"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"unprivileged": "type check ('boolean') failed - got 'true'"}},
		{name: "enum", method: "POST", path: "/nodes/pve1/vzdump", form: url.Values{"vmid": {"100"}, "mode": {"fast"}}, status: 400,
			reason: "Parameter verification failed.",
			errors: map[string]any{"mode": "value 'fast' does not have a value in the enumeration 'snapshot, suspend, stop'"}},
		{name: "pattern", method: "PUT", path: "/nodes/pve1/lxc/100/resize", form: url.Values{"disk": {"rootfs"}, "size": {"big"}}, status: 400,
			reason: "Parameter verification failed.", errors: map[string]any{"size": "value does not match the regex pattern"}},
		{name: "property string key", method: "PUT", path: "/nodes/pve1/lxc/100/config", form: url.Values{"net0": {"name=eth0,colour=blue"}}, status: 400,
			reason: "Parameter verification failed.",
			errors: map[string]any{"net0": "invalid format - format error\nnet0.colour: property is not defined in schema and the schema does not allow " +
				"additional properties"}},
		{name: "unknown container", method: "GET", path: "/nodes/pve1/lxc/999/config", status: 500,
			reason: "Configuration file 'nodes/pve1/lxc/999.conf' does not exist"},
		{name: "container on another node", method: "GET", path: "/nodes/pve2/lxc/100/status/current", status: 500,
			reason: "Configuration file 'nodes/pve2/lxc/100.conf' does not exist"},
		{name: "create with a used vmid", method: "POST", path: "/nodes/pve2/lxc",
			form: url.Values{"vmid": {"100"}, "ostemplate": {"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}}, status: 500,
			reason: "CT 100 already exists on node 'pve1'"},
		{name: "template of wrong content", method: "POST", path: "/nodes/pve1/lxc",
			form: url.Values{"vmid": {"130"}, "ostemplate": {"local-lvm:vm-100-disk-0"}}, status: 500,
			reason: "unable to use volume local-lvm:vm-100-disk-0 - content type needs to be 'vztmpl'"},
		{name: "stop when stopped", method: "POST", path: "/nodes/pve1/lxc/100/status/stop", status: 500, reason: "CT 100 not running"},
		{name: "shutdown when stopped", method: "POST", path: "/nodes/pve1/lxc/100/status/shutdown", status: 500, reason: "CT 100 not running"},
		{name: "reboot when stopped", method: "POST", path: "/nodes/pve1/lxc/100/status/reboot", status: 500, reason: "VM 100 not running"},
		{name: "digest mismatch", method: "PUT", path: "/nodes/pve1/lxc/100/config", form: url.Values{"memory": {"1024"}, "digest": {"0000"}}, status: 500,
			reason: "detected modified configuration - file changed by other user? Try again."},
		{name: "unprivileged is read-only", method: "PUT", path: "/nodes/pve1/lxc/100/config", form: url.Values{"unprivileged": {"0"}}, status: 500,
			reason: "unable to modify read-only option: 'unprivileged'"},
		{name: "unknown node", method: "GET", path: "/nodes/pve9/status", status: 500,
			reason: "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known"},
		{name: "unknown path", method: "GET", path: "/nodes/pve1/frobnicate", status: 501, reason: "Method 'GET /nodes/pve1/frobnicate' not implemented"},
		{name: "unknown method", method: "DELETE", path: "/version", status: 501, reason: "Method 'DELETE /version' not implemented"},
		{name: "status types", method: "GET", path: "/nodes/pve1/lxc/100/status/current", status: 200, reason: "OK",
			checkTypes: func(t *testing.T, d any) {
				m := mustMap(t, d)
				for _, k := range []string{"vmid", "maxmem", "maxdisk", "cpus", "uptime", "mem"} {
					if _, ok := m[k].(float64); !ok {
						t.Errorf("%s is %T, want a JSON number", k, m[k])
					}
				}
				if m["status"] != "stopped" || m["name"] != "CT100" {
					t.Errorf("status=%v name=%v", m["status"], m["name"])
				}
			}},
		{name: "config types", method: "GET", path: "/nodes/pve1/lxc/100/config", status: 200, reason: "OK",
			checkTypes: func(t *testing.T, d any) {
				m := mustMap(t, d)
				if m["memory"] != float64(512) || m["swap"] != float64(512) || m["unprivileged"] != float64(1) {
					t.Errorf("memory=%v swap=%v unprivileged=%v, want numbers 512, 512, 1", m["memory"], m["swap"], m["unprivileged"])
				}
				if digest, _ := m["digest"].(string); len(digest) != 40 {
					t.Errorf("digest %q is not a SHA-1", digest)
				}
				if m["rootfs"] != "local-lvm:vm-100-disk-0,size=4G" {
					t.Errorf("rootfs = %v", m["rootfs"])
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, sim, tc.method, tc.path, tc.form)
			if r.Status != tc.status || r.Reason != tc.reason {
				t.Fatalf("got %d %q (%s), want %d %q", r.Status, r.Reason, r.Raw, tc.status, tc.reason)
			}
			if tc.status != 200 {
				if msg := r.Body["message"]; msg != tc.reason+"\n" {
					t.Errorf("message = %q, want %q", msg, tc.reason+"\n")
				}
				if _, ok := r.Body["data"]; !ok || r.Body["data"] != nil {
					t.Errorf("data must be null on failure: %s", r.Raw)
				}
			}
			if tc.errors != nil && !reflect.DeepEqual(r.Body["errors"], tc.errors) {
				t.Errorf("errors = %v, want %v", r.Body["errors"], tc.errors)
			}
			if tc.wantData != nil && !reflect.DeepEqual(data(r), tc.wantData) {
				t.Errorf("data = %#v, want %#v", data(r), tc.wantData)
			}
			if tc.checkTypes != nil {
				tc.checkTypes(t, data(r))
			}
		})
	}
}

func TestContentTypeAndEnvelope(t *testing.T) {
	sim := startSim(t, Options{})
	resp, err := httpClient(t, sim).Do(mustRequest(t, sim, http.MethodGet, "/nodes"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.ProtoMajor != 1 {
		t.Errorf("protocol %s, PVE speaks HTTP/1.1", resp.Proto)
	}
}

func mustRequest(t *testing.T, sim *Simulator, method, path string) *http.Request {
	req, err := http.NewRequest(method, sim.Endpoint()+apiPrefix+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "PVEAPIToken="+sim.Info().APIToken)
	return req
}
