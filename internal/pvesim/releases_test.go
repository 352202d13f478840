package pvesim

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionPerRelease pins what each release says about itself:
// /version is PVE::pvecfg::version_info (pve-manager PVE/API2.pm, version),
// /nodes/{node}/status its package, kernel and meminfo (PVE/API2/Nodes.pm,
// status; MemAvailable only on master, not on stable-8).
func TestVersionPerRelease(t *testing.T) {
	cases := []struct {
		release, version, repoid, kernel, debian string
		available                                bool
	}{
		{"8.4", "8.4.1", "2a5fa54a8503f96d", "6.8.12-9-pve", "bookworm", false},
		{"9.1", "9.1.2", "9d436f37a0ac4172", "6.17.4-1-pve", "trixie", true},
	}
	for _, tc := range cases {
		t.Run(tc.release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: tc.release, Nodes: 1})
			v := mustMap(t, data(call(t, sim, http.MethodGet, "/version", nil)))
			if v["version"] != tc.version || v["release"] != tc.release || v["repoid"] != tc.repoid {
				t.Errorf("/version = %v", v)
			}
			st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/status", nil)))
			if st["pveversion"] != "pve-manager/"+tc.version+"/"+tc.repoid {
				t.Errorf("pveversion = %v", st["pveversion"])
			}
			if k := mustMap(t, st["current-kernel"]); k["release"] != tc.kernel ||
				!strings.HasPrefix(mustString(t, st["kversion"]), "Linux "+tc.kernel+" #1 SMP") {
				t.Errorf("kernel = %v / %v", k, st["kversion"])
			}
			if _, ok := mustMap(t, st["memory"])["available"]; ok != tc.available {
				t.Errorf("memory.available present = %v, want %v", ok, tc.available)
			}
			if info := sim.Info(); info.PVEVersion != tc.release || info.PVEManager != "pve-manager/"+tc.version+"/"+tc.repoid {
				t.Errorf("Info release = %q %q", info.PVEVersion, info.PVEManager)
			}
			code, out, _ := sshRun(t, sim, "pve1", "cat /etc/os-release; pveversion", "")
			if code != 0 || !strings.Contains(out, "VERSION_CODENAME="+tc.debian) ||
				!strings.Contains(out, "pve-manager/"+tc.version+"/"+tc.repoid+" (running kernel: "+tc.kernel+")") {
				t.Errorf("node os-release/pveversion: %d %q", code, out)
			}
		})
	}
}

func TestUnknownReleaseIsRefused(t *testing.T) {
	_, err := New(Options{PVEVersion: "9.0"})
	if err == nil || !strings.Contains(err.Error(), `unsupported PVE version "9.0"`) {
		t.Fatalf("New(9.0) = %v", err)
	}
}

// TestStateFileKeepsItsRelease: a state file remembers the release it was
// made as; reopening it as another release is an error, not a mixed cluster.
func TestStateFileKeepsItsRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1, StatePath: path})
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{PVEVersion: "8.4", Nodes: 1, StatePath: path}); err == nil ||
		!strings.Contains(err.Error(), "holds a PVE 9.1 cluster, not 8.4") {
		t.Fatalf("reopening a 9.1 state as 8.4: %v", err)
	}
	again, err := New(Options{Nodes: 1, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if again.release != "9.1" || again.opts.PVEVersion != "9.1" {
		t.Errorf("reopened without a version: release %q", again.release)
	}
	if _, ok := again.schema["/nodes/{node}/lxc"]; !ok {
		t.Error("schema not loaded for the state's release")
	}
}

// BenchmarkStartupPVE91 is BenchmarkStartup as PVE 9.1 (goal: under 200 ms).
func BenchmarkStartupPVE91(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sim, err := New(Options{PVEVersion: "9.1"})
		if err != nil {
			b.Fatal(err)
		}
		if err := sim.Start(); err != nil {
			b.Fatal(err)
		}
		if err := sim.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVersionReportsConsole: /version adds datacenter.cfg's console when it
// is set (pve-manager PVE/API2.pm version, both stable-8 and master).
func TestVersionReportsConsole(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	if v := mustMap(t, data(call(t, sim, http.MethodGet, "/version", nil))); v["console"] != nil {
		t.Errorf("console without a setting: %v", v)
	}
	if code, _, errOut := sshRun(t, sim, "pve1", "echo 'console: xtermjs' >> /etc/pve/datacenter.cfg", ""); code != 0 {
		t.Fatalf("writing datacenter.cfg: %d %s", code, errOut)
	}
	if v := mustMap(t, data(call(t, sim, http.MethodGet, "/version", nil))); v["console"] != "xtermjs" {
		t.Errorf("/version = %v", v)
	}
}
