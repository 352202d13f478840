package pvesim

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTemplateOSTypeFromOSRelease follows pve-container's
// src/PVE/LXC/Setup.pm ($autodetect_type: os-release ID, its aliases such as
// rocky -> centos, then marker files) for every template of both indexes.
func TestTemplateOSTypeFromOSRelease(t *testing.T) {
	for _, list := range [][]appliance{appliancesPVE8, appliancesPVE9} {
		for _, a := range list {
			want := strings.SplitN(a.pkg, "-", 2)[0]
			if want == "rockylinux" {
				want = "centos"
			}
			v := templateVolume("local", a)
			// A template saved under another name is still known by its os-release.
			v.VolID = "local:vztmpl/custom.tar.zst"
			ostype, err := templateSetup(v)
			if err != nil || ostype != want {
				t.Errorf("%s: ostype %q, %v; want %q", a.template, ostype, err, want)
			}
		}
	}
	// An old state file's volume without os-release: the name decides.
	if got := templateOSType(&volume{VolID: "local:vztmpl/ubuntu-22.04-standard_22.04-1_amd64.tar.zst"}); got != "ubuntu" {
		t.Errorf("name fallback: %q", got)
	}
}

// TestTemplateSetupRefusals are the dies of the setup plugins' new
// (src/PVE/LXC/Setup/{Debian,Ubuntu,CentOS}.pm) and of $autodetect_type,
// which fail the vzcreate task.
func TestTemplateSetupRefusals(t *testing.T) {
	debian := func(version string) *userland {
		return &userland{osRelease: debianOSRelease(3, "sarge", ""), files: map[string]string{"/etc/debian_version": version}}
	}
	ubuntu := func(release string) *userland {
		return &userland{osRelease: "ID=ubuntu\n", files: map[string]string{"/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=" + release + "\n"}}
	}
	cases := []struct {
		u    *userland
		want string // "" for accepted
	}{
		{debian("3.1\n"), "Container Debian version '3' is too old"},
		{debian("trixie/sid\n"), ""},
		{debian("15.0\n"), ""}, // above the tested release: only a warning
		{debian("sid\n"), "unable to parse version info 'sid'"},
		{&userland{osRelease: "ID=debian\n", files: map[string]string{}}, "unable to read version info"},
		{ubuntu("14.10"), "unsupported ancient Ubuntu version '14.10'"},
		{ubuntu("16.04"), ""}, // an old LTS still on the known list
		{ubuntu("27.04"), ""}, // unknown but newer: a warning
		{&userland{osRelease: "ID=ubuntu\n", files: map[string]string{"/etc/lsb-release": "DISTRIB_ID=Debian\n"}}, "got unknown DISTRIB_ID"},
		{&userland{osRelease: "ID=rocky\n", files: map[string]string{"/etc/redhat-release": "Rocky Linux release 11.0 (X)\n"}},
			"unsupported centos version '11.0'"},
		{&userland{osRelease: "ID=rocky\n", files: map[string]string{"/etc/redhat-release": "CentOS release 4.8 (Final)\n"}},
			"unsupported centos version '4.8'"},
		{&userland{osRelease: "ID=plan9\n", files: map[string]string{}}, "unable to detect OS distribution"},
	}
	for _, tc := range cases {
		ostype, err := detectOSType(tc.u)
		if err == nil {
			err = checkOSVersion(ostype, tc.u)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.u.files, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%q: %v, want %q", tc.u.files, err, tc.want)
		}
	}
	// Fallback detection: an unknown ID with Debian's marker file is Debian.
	if ostype, err := detectOSType(&userland{osRelease: "ID=kali\n",
		files: map[string]string{"/etc/debian_version": "kali-rolling\n"}}); ostype != "debian" || err != nil {
		t.Errorf("kali: %q %v", ostype, err)
	}
	// An os-release with no marker files on record: its ID alone decides.
	if ostype, err := templateSetup(&volume{VolID: "local:vztmpl/x.tar.gz", OSRelease: "ID=plan9\n"}); err == nil {
		t.Errorf("unknown distribution accepted as %q", ostype)
	}
}

// TestRootFSCarriesTheTemplatesFiles: a container's root holds its
// template's real etc/os-release and the release files beside it.
func TestRootFSCarriesTheTemplatesFiles(t *testing.T) {
	for _, tc := range []struct {
		template string
		files    map[string]string
	}{
		{"debian-13-standard_13.1-2_amd64.tar.zst", map[string]string{"/etc/debian_version": "13.1\n", "/etc/os-release": "DEBIAN_VERSION_FULL=13.1\n"}},
		{"alpine-3.21-default_20241217_amd64.tar.xz", map[string]string{"/etc/alpine-release": "3.21.0\n", "/etc/os-release": "VERSION_ID=3.21.0\n"}},
		{"ubuntu-24.04-standard_24.04-2_amd64.tar.zst", map[string]string{"/etc/lsb-release": "DISTRIB_RELEASE=24.04\n",
			"/etc/debian_version": "trixie/sid\n", "/etc/os-release": "ID_LIKE=debian\n"}},
	} {
		var a appliance
		for _, cand := range append(append([]appliance{}, appliancesPVE8...), appliancesPVE9...) {
			if cand.template == tc.template {
				a = cand
			}
		}
		root := rootFSFromTemplate(templateVolume("local", a), "web")
		for name, want := range tc.files {
			got, err := root.ReadFile(name)
			if err != nil || !strings.Contains(string(got), want) {
				t.Errorf("%s %s = %q (%v), want %q in it", tc.template, name, got, err, want)
			}
		}
	}
}

// TestCreateFailsOnUnsupportedTemplate: PVE::LXC::Setup->new runs in the
// vzcreate worker (src/PVE/API2/LXC.pm create_vm, "detect OS"), so a template
// it refuses fails the task with "unable to create CT <vmid> - <error>" and
// leaves no container.
func TestCreateFailsOnUnsupportedTemplate(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	sim.mu.Lock()
	sim.nodes[0].Storages["local"].Volumes["local:vztmpl/plan9.tar.gz"] = &volume{
		VolID: "local:vztmpl/plan9.tar.gz", Content: "vztmpl", Format: "tgz", Size: mib, OSRelease: "NAME=\"Plan 9\"\nID=plan9\n",
	}
	sim.mu.Unlock()
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"150"}, "ostemplate": {"local:vztmpl/plan9.tar.gz"}, "rootfs": {"local-lvm:1"}})
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	if status := waitTask(t, sim, mustString(t, data(r))); status != "unable to create CT 150 - unable to detect OS distribution" {
		t.Errorf("task status %q", status)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil); r.Status != 500 {
		t.Errorf("container left behind: %d", r.Status)
	}
}

// TestCreateFromOCIImage91: on 9.1 an OCI image volume becomes a container
// whose config carries the image's entrypoint, console mode and environment
// (Create.pm restore_oci_archive); its ostype comes from the image's
// os-release.
func TestCreateFromOCIImage91(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	img, err := parseOCIArchive(bytes.NewReader(ociTestArchive(t, map[string]any{
		"Entrypoint": []string{"/usr/bin/whoami-server"}, "Env": []string{"PORT=8080"},
	}, appliancesPVE9[1].userland.osRelease)))
	if err != nil {
		t.Fatal(err)
	}
	sim.mu.Lock()
	sim.nodes[0].Storages["local"].Volumes["local:vztmpl/whoami_latest.tar"] = &volume{
		VolID: "local:vztmpl/whoami_latest.tar", Content: "vztmpl", Format: "tar", Size: mib, OSRelease: img.OSRelease, OCI: img,
	}
	sim.mu.Unlock()
	createCT(t, sim, "pve1", 100, url.Values{"ostemplate": {"local:vztmpl/whoami_latest.tar"}})
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil)))
	if cfg["entrypoint"] != "/usr/bin/whoami-server" || cfg["cmode"] != "console" || cfg["ostype"] != "alpine" ||
		!strings.Contains(mustString(t, cfg["net0"]), "host-managed=1") {
		t.Errorf("config %v", cfg)
	}
}
