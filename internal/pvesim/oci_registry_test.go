package pvesim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

const ociPullPath = "/nodes/pve1/storage/local/oci-registry-pull"

// TestOCIRegistryPull91 follows pve-storage master
// src/PVE/API2/Storage/Status.pm oci_registry_pull: the file is
// normalize_content_filename(filename // reference) . ".tar" in the vztmpl
// directory, the worker is an "ociregistrypull" task named after it that
// runs skopeo copy, and the archive then is a template that creates
// containers as an OCI image (pve-container master Create.pm
// restore_oci_archive).
func TestOCIRegistryPull91(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	r := call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"docker.io/library/nginx:1.27-alpine"}})
	if r.Status != 200 {
		t.Fatalf("pull: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if tk, _ := parseUPID(upid); tk.Type != "ociregistrypull" || tk.ID != "nginx_1.27-alpine.tar" {
		t.Errorf("UPID %s", upid)
	}
	if status := waitTask(t, sim, upid); status != "OK" {
		t.Fatalf("pull task: %s", status)
	}
	log := taskLog(t, sim, "pve1", upid)
	for _, want := range []string{"Getting image source signatures", "Copying blob sha256:", "Copying config sha256:",
		"Writing manifest to image destination"} {
		if !strings.Contains(log, want) {
			t.Errorf("task log lacks %q:\n%s", want, log)
		}
	}
	found := false
	for _, it := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local/content", url.Values{"content": {"vztmpl"}}))) {
		m := mustMap(t, it)
		if m["volid"] == "local:vztmpl/nginx_1.27-alpine.tar" && m["format"] == "tar" {
			found = true
		}
	}
	if !found {
		t.Error("the pulled archive is not in vztmpl content")
	}
	createCT(t, sim, "pve1", 100, url.Values{"ostemplate": {"local:vztmpl/nginx_1.27-alpine.tar"}})
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil)))
	if cfg["entrypoint"] != "/docker-entrypoint.sh nginx -g 'daemon off;'" || cfg["cmode"] != "console" || cfg["ostype"] != "alpine" ||
		!strings.Contains(mustString(t, cfg["env"]), "NGINX_VERSION=1.27.5") {
		t.Errorf("container from the pulled image: %v", cfg)
	}

	// The same file again is refused before any worker starts.
	r = call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"nginx:1.27-alpine"}})
	if r.Status != 500 || r.Reason != "refusing to override existing file 'nginx_1.27-alpine.tar'" {
		t.Errorf("second pull: %d %q", r.Status, r.Reason)
	}
	// A short reference is Docker Hub's library; the file name is normalized.
	r = call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"alpine:3.22"}, "filename": {"base images/alpine"}})
	if r.Status != 200 || waitTask(t, sim, mustString(t, data(r))) != "OK" {
		t.Fatalf("short reference: %d %s", r.Status, r.Raw)
	}
	v := localVolume(sim, "local:vztmpl/alpine.tar")
	if v == nil || v.OCI == nil || !strings.Contains(v.OSRelease, "VERSION_ID=3.22.2\n") || strings.Join(v.OCI.Cmd, " ") != "/bin/sh" {
		t.Errorf("alpine:3.22 as alpine.tar: %+v", v)
	}
}

// TestOCIRegistryPullOffline91: an image outside the built-in set needs the
// registry, which these machines cannot reach; skopeo fails the way
// containers/image reports an unresolvable registry ("initializing source
// docker://REF: pinging container registry HOST: ...", logged by logrus as
// level=fatal) and run_command (pve-common PVE/Tools.pm) fails the task with
// "command '...' failed: exit code 1". No file is left behind.
func TestOCIRegistryPullOffline91(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	r := call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"ghcr.io/example/app:1.0"}})
	if r.Status != 200 {
		t.Fatalf("pull: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	tk, _ := parseUPID(upid)
	want := fmt.Sprintf("command 'skopeo copy docker://ghcr.io/example/app:1.0 oci-archive:/var/lib/vz/template/cache/app_1.0.tar.tmp.%d' failed: "+
		"exit code 1", tk.PID)
	if status := waitTask(t, sim, upid); status != want {
		t.Errorf("task status %q, want %q", status, want)
	}
	log := taskLog(t, sim, "pve1", upid)
	if !strings.Contains(log, `level=fatal msg="initializing source docker://ghcr.io/example/app:1.0: pinging container registry ghcr.io: `+
		`Get \"https://ghcr.io/v2/\": dial tcp: lookup ghcr.io: no such host"`) {
		t.Errorf("task log:\n%s", log)
	}
	if localVolume(sim, "local:vztmpl/app_1.0.tar") != nil {
		t.Error("a failed pull left a volume")
	}
	// Docker Hub names are reported as skopeo shortens them.
	r = call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"docker.io/library/redis:7"}})
	upid = mustString(t, data(r))
	waitTask(t, sim, upid)
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log,
		`initializing source docker://redis:7: pinging container registry registry-1.docker.io: Get \"https://registry-1.docker.io/v2/\"`) {
		t.Errorf("docker hub task log:\n%s", log)
	}
}

// TestOCIRegistryPullChecks: the checks of oci_registry_pull before the
// worker, in its order: the schema's reference pattern (a tag is required),
// storage_check_enabled, a file based storage, vztmpl content.
func TestOCIRegistryPullChecks(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	r := call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"alpine"}})
	if errs, _ := r.Body["errors"].(map[string]any); r.Status != 400 || errs["reference"] != "value does not match the regex pattern" {
		t.Errorf("reference without a tag: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/storage/local-lvm/oci-registry-pull", url.Values{"reference": {"alpine:3.22"}})
	if r.Status != 500 || r.Reason != "can't upload to storage type 'lvmthin', not a file based storage!" {
		t.Errorf("lvmthin: %d %q", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"isos"}, "type": {"dir"}, "path": {"/srv/isos"}, "content": {"iso"}}); r.Status != 200 {
		t.Fatalf("add isos: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/storage/isos/oci-registry-pull", url.Values{"reference": {"alpine:3.22"}})
	if r.Status != 500 || r.Reason != "storage 'isos' is not configured for content-type 'vztmpl'" {
		t.Errorf("no vztmpl content: %d %q", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodPut, "/storage/local", url.Values{"disable": {"1"}}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"alpine:3.22"}})
	if r.Status != 500 || r.Reason != "storage 'local' is disabled" {
		t.Errorf("disabled storage: %d %q", r.Status, r.Reason)
	}
}

// TestOCIRegistryPullIs91Only: pve-storage's stable-8 branch has no
// oci-registry-pull (commit "api: add storage/{storage}/oci-registry-pull
// method" is on master only), so PVE 8.4 answers the path as any unknown
// one, and its storage index does not list it (Status.pm diridx).
func TestOCIRegistryPullIs91Only(t *testing.T) {
	for release, want := range map[string]bool{"8.4": false, "9.1": true} {
		sim := startSim(t, Options{PVEVersion: release, Nodes: 1})
		r := call(t, sim, http.MethodPost, ociPullPath, url.Values{"reference": {"alpine:3.22"}})
		if served := r.Status != 501; served != want {
			t.Errorf("%s: %d %q", release, r.Status, r.Reason)
		}
		if !want && r.Reason != "Method 'POST "+ociPullPath+"' not implemented" {
			t.Errorf("%s reason %q", release, r.Reason)
		}
		listed := false
		for _, it := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local", nil))) {
			if mustMap(t, it)["subdir"] == "oci-registry-pull" {
				listed = true
			}
		}
		if listed != want {
			t.Errorf("%s storage index lists oci-registry-pull: %v", release, listed)
		}
	}
	// Every release-specific path is in the schema of the release it names,
	// so skipping it elsewhere never hides a typo.
	for path, release := range releaseSpecificPaths {
		if pveschema.MustLoad(release)[path] == nil {
			t.Errorf("%s is not in the %s schema", path, release)
		}
	}
}
