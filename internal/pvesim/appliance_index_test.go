package pvesim

import (
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAplinfoPerRelease: each release reads its own index file
// (pve-manager PVE/APLInfo.pm get_apl_sources: aplinfo-pve-8.dat on stable-8,
// aplinfo-pve-9.dat on master), and a record carries the fields
// read_aplinfo_from_fh fills: template from the Location, location joined to
// the source, the version as written (a date for Alpine's builds).
func TestAplinfoPerRelease(t *testing.T) {
	for _, tc := range []struct {
		release      string
		want, absent []string
	}{
		{"8.4", []string{"debian-12-standard_12.7-1_amd64.tar.zst", "debian-11-standard_11.7-1_amd64.tar.zst", "alpine-3.21-default_20241217_amd64.tar.xz",
			"alpine-3.22-default_20250617_amd64.tar.xz", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"},
			[]string{"debian-13-standard_13.1-2_amd64.tar.zst"}},
		{"9.1", []string{"debian-13-standard_13.1-2_amd64.tar.zst", "debian-12-standard_12.12-1_amd64.tar.zst", "alpine-3.22-default_20250617_amd64.tar.xz",
			"ubuntu-25.04-standard_25.04-1.1_amd64.tar.zst"},
			[]string{"debian-12-standard_12.7-1_amd64.tar.zst", "debian-11-standard_11.7-1_amd64.tar.zst"}},
	} {
		t.Run(tc.release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: tc.release, Nodes: 1})
			records := map[string]map[string]any{}
			for _, item := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/aplinfo", nil))) {
				m := mustMap(t, item)
				records[mustString(t, m["template"])] = m
			}
			for _, name := range tc.want {
				if records[name] == nil {
					t.Errorf("%s missing from the %s index", name, tc.release)
				}
			}
			for _, name := range tc.absent {
				if records[name] != nil {
					t.Errorf("%s listed in the %s index", name, tc.release)
				}
			}
			alpine := records["alpine-3.22-default_20250617_amd64.tar.xz"]
			if alpine["package"] != "alpine-3.22-default" || alpine["version"] != "20250617" || alpine["os"] != "alpine" ||
				alpine["headline"] != "Alpine Linux 3.22" || alpine["type"] != "lxc" || alpine["section"] != "system" ||
				alpine["location"] != "http://download.proxmox.com/images/system/alpine-3.22-default_20250617_amd64.tar.xz" ||
				alpine["source"] != "http://download.proxmox.com/images" {
				t.Errorf("alpine record = %v", alpine)
			}
			a, _ := sim.appliance("alpine-3.22-default_20250617_amd64.tar.xz")
			sum := sha512.Sum512(a.content())
			if alpine["sha512sum"] != hex.EncodeToString(sum[:]) {
				t.Error("the index's sha512sum is not that of the bytes the simulator serves")
			}
		})
	}
}

// TestAplinfoUnknownTemplate: apl_download (PVE/API2/Nodes.pm) checks the
// template against the index before anything else and raises a parameter
// exception: a 400 "Parameter verification failed." with errors.template.
func TestAplinfoUnknownTemplate(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "8.4", Nodes: 1})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {"debian-13-standard_13.1-2_amd64.tar.zst"}})
	errs, _ := r.Body["errors"].(map[string]any)
	if r.Status != 400 || r.Reason != "Parameter verification failed." || errs["template"] != "no such template" {
		t.Errorf("8.4 download of a 9.x-only template: %d %q %s", r.Status, r.Reason, r.Raw)
	}
	// The check comes before the storage's: an unknown storage does not change the answer.
	r = call(t, sim, http.MethodPost, "/nodes/pve1/aplinfo", url.Values{"storage": {"nosuch"}, "template": {"nope.tar.xz"}})
	if r.Status != 400 {
		t.Errorf("unknown template on an unknown storage: %d %s", r.Status, r.Raw)
	}
}

// TestAplinfoDownloadKeepsOSRelease: a downloaded template is a "download"
// task named after the template (fork_worker('download', $template, ...)) and
// its volume carries the template's os-release.
func TestAplinfoDownloadKeepsOSRelease(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	name := "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"
	r := call(t, sim, http.MethodPost, "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {name}})
	if r.Status != 200 {
		t.Fatalf("download: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if tk, _ := parseUPID(upid); tk.Type != "download" || tk.ID != name {
		t.Errorf("UPID %s", upid)
	}
	if status := waitTask(t, sim, upid); status != "OK" {
		t.Fatalf("download task: %s", status)
	}
	sim.mu.Lock()
	v := sim.nodes[0].Storages["local"].Volumes["local:vztmpl/"+name]
	sim.mu.Unlock()
	if v == nil || !strings.Contains(v.OSRelease, "VERSION_CODENAME=noble") || v.Format != "tzst" {
		t.Fatalf("downloaded volume = %+v", v)
	}
}

// TestOfficialTemplate maps download.proxmox.com URLs onto the index: the
// current release's entry first, then the other index's (the server holds
// both), and nothing for other hosts or paths.
func TestOfficialTemplate(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "8.4", Nodes: 1})
	a, ok := officialTemplate(sim, "http://download.proxmox.com/images/system/debian-12-standard_12.7-1_amd64.tar.zst")
	if !ok || a.pkg != "debian-12-standard" || !strings.Contains(a.userland.osRelease, "bookworm") {
		t.Errorf("debian 12: %v %+v", ok, a)
	}
	if a, ok := officialTemplate(sim, "https://download.proxmox.com/images/system/debian-13-standard_13.1-2_amd64.tar.zst"); !ok ||
		a.version != "13.1-2" {
		t.Errorf("debian 13 from an 8.4 node: %v %+v", ok, a)
	}
	for _, u := range []string{
		"http://download.proxmox.com/images/system/nosuch.tar.zst",
		"http://example.com/images/system/debian-12-standard_12.7-1_amd64.tar.zst",
		"http://download.proxmox.com/images/system/sub/debian-12-standard_12.7-1_amd64.tar.zst",
	} {
		if _, ok := officialTemplate(sim, u); ok {
			t.Errorf("%s mapped to the index", u)
		}
	}
	v := templateVolume("local", a)
	if v.VolID != "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst" || v.Content != "vztmpl" || v.OSRelease == "" {
		t.Errorf("templateVolume = %+v", v)
	}
}

// TestInitialTemplatesPerRelease: a fresh cluster's local storage holds
// templates of its own release's index, each with its os-release.
func TestInitialTemplatesPerRelease(t *testing.T) {
	for release, want := range map[string]string{"8.4": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
		"9.1": "local:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst"} {
		sim, err := New(Options{PVEVersion: release, Nodes: 1})
		if err != nil {
			t.Fatal(err)
		}
		v := sim.nodes[0].Storages["local"].Volumes[want]
		if v == nil || v.OSRelease == "" {
			t.Errorf("%s: %s = %+v", release, want, v)
		}
	}
}
