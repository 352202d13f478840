package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEnvIsWrittenAsLxcEnvironmentRuntimeLines follows pve-container master
// src/PVE/LXC/Config.pm: write_pct_config's generate_raw_config leaves env
// out of the sorted keys and writes one "lxc.environment.runtime: VAR=value"
// line per NUL-separated variable after them, before the other raw lxc lines
// (of which it skips lxc.environment.runtime); parse_pct_config gathers those
// lines back into env, joined with NUL. The file never holds a NUL.
func TestEnvIsWrittenAsLxcEnvironmentRuntimeLines(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1"})
	createCT(t, sim, "pve1", 100, nil)
	onNode(t, sim, "pve1", `echo "lxc.cgroup2.devices.allow: c 10:200 rwm" >> /etc/pve/lxc/100.conf`)

	// API -> file.
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"env": {"A=1\x00B=two words"}})
	if r.Status != 200 {
		t.Fatalf("PUT env: %d %s", r.Status, r.Raw)
	}
	text := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf")
	if strings.Contains(text, "\x00") || strings.Contains(text, "\nenv:") {
		t.Errorf("env written as a key:\n%q", text)
	}
	if !strings.HasSuffix(text, "\nlxc.environment.runtime: A=1\nlxc.environment.runtime: B=two words\nlxc.cgroup2.devices.allow: c 10:200 rwm\n") {
		t.Errorf("file:\n%s", text)
	}
	if got := ctConfig(t, sim, "pve1", 100)["env"]; got != "A=1\x00B=two words" {
		t.Errorf("env read back = %q", got)
	}

	// File edited over SSH -> API: a line appended after the raw lxc lines
	// joins env, and is not a raw lxc entry.
	onNode(t, sim, "pve1", `echo "lxc.environment.runtime: C=3" >> /etc/pve/nodes/pve1/lxc/100.conf`)
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["env"] != "A=1\x00B=two words\x00C=3" {
		t.Errorf("env after the edit = %q", cfg["env"])
	}
	if lxc, _ := cfg["lxc"].([]any); len(lxc) != 1 || mustSlice(t, lxc[0])[0] != "lxc.cgroup2.devices.allow" {
		t.Errorf("lxc after the edit = %v", cfg["lxc"])
	}
	// The next write puts the appended variable back in env's place.
	call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"cores": {"2"}})
	text = onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf")
	if !strings.HasSuffix(text, "\nlxc.environment.runtime: B=two words\nlxc.environment.runtime: C=3\nlxc.cgroup2.devices.allow: c 10:200 rwm\n") {
		t.Errorf("file after the next write:\n%s", text)
	}
	// Deleting env removes its lines.
	call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"env"}})
	if text := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf"); strings.Contains(text, "lxc.environment.runtime") {
		t.Errorf("file after delete=env:\n%s", text)
	}
}

// TestEnvLinesUnknownOnPVE8 follows pve-container stable-bookworm
// src/PVE/LXC/Config.pm: PVE 8's is_valid_lxc_conf_key does not know
// lxc.environment.runtime, so parse_pct_config warns and leaves the line out
// of the config; GET config neither has env nor the raw line.
func TestEnvLinesUnknownOnPVE8(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	onNode(t, sim, "pve1", `echo "lxc.environment.runtime: A=1" >> /etc/pve/lxc/100.conf`)
	cfg := ctConfig(t, sim, "pve1", 100)
	if _, ok := cfg["env"]; ok {
		t.Errorf("env on 8.4: %v", cfg["env"])
	}
	if _, ok := cfg["lxc"]; ok {
		t.Errorf("lxc on 8.4: %v", cfg["lxc"])
	}
}
