package pvesim

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestPvesh follows pve-manager PVE/CLI/pvesh.pm: call_api_method as root,
// print_api_result in the asked format, "no 'get' handler for '<path>'",
// workers in the foreground with the UPID printed after, ls with
// resource_cap's flags.
func TestPvesh(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"hostname": {"web"}})
	code, out, stderr := sshRun(t, sim, "pve1", "pvesh get /nodes/pve1/lxc --output-format json", "")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["name"] != "web" {
		t.Fatalf("pvesh get json: %d %q %q", code, out, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesh get /nodes/pve1/lxc/101/config --output-format json-pretty", ""); code != 0 ||
		!strings.Contains(out, `   "hostname" : "web",`) {
		t.Errorf("json-pretty: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesh get /cluster/nextid", ""); code != 0 || out != "100\n" {
		t.Errorf("scalar text: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesh get /nodes/pve1/nothing", ""); code != 255 ||
		stderr != "no 'get' handler for '/nodes/pve1/nothing'\n" {
		t.Errorf("unknown path: %d %q", code, stderr)
	}
	code, out, _ = sshRun(t, sim, "pve1", "pvesh create /nodes/pve1/lxc/101/status/start", "")
	if code != 0 || !strings.Contains(out, "UPID:pve1:") || !strings.Contains(out, ":vzstart:101:root@pam:") {
		t.Errorf("create start: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesh set /nodes/pve1/lxc/101/config --memory 768 && pct config 101 | grep memory", ""); code != 0 ||
		out != "memory: 768\n" {
		t.Errorf("set: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesh ls /nodes/pve1/lxc", ""); code != 0 || out != "Dr--d        101\n" {
		t.Errorf("ls: %d %q", code, out)
	}
}
