package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDownloadURLOCIArchive91: on PVE 9.1 download-url takes a plain .tar
// into vztmpl content (pve-storage master $VZTMPL_EXT_RE_1), and a container
// created from it is made from the OCI image when the archive is one
// (pve-container master src/PVE/LXC/Create.pm archive_is_oci_format, then
// restore_oci_archive: entrypoint, cmode console, env, host-managed
// networks, and the ostype from the image's os-release). A plain root file
// system in a .tar stays a plain template with its own os-release.
func TestDownloadURLOCIArchive91(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1", Nodes: 1})
	alpine := appliancesPVE9[1].userland.osRelease
	srv := fileServer(t, map[string][]byte{
		"/whoami.tar": ociTestArchive(t, map[string]any{
			"Entrypoint": []string{"/whoami"}, "Cmd": []string{"--port", "8080"}, "Env": []string{"PORT=8080"},
		}, alpine),
		"/rootfs.tar": templateTar(t, false),
	})
	downloadRootCAs = mustTransport(t, srv.Client().Transport).TLSClientConfig.RootCAs
	t.Cleanup(func() { downloadRootCAs = nil })

	if _, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/whoami.tar"}, "content": {"vztmpl"},
		"filename": {"whoami_latest.tar"}}); status != "OK" {
		t.Fatalf("OCI download: %q", status)
	}
	v := localVolume(sim, "local:vztmpl/whoami_latest.tar")
	if v == nil || v.OCI == nil || v.OSRelease != alpine || strings.Join(v.OCI.Entrypoint, " ") != "/whoami" {
		t.Fatalf("OCI volume: %+v", v)
	}
	createCT(t, sim, "pve1", 100, url.Values{"ostemplate": {"local:vztmpl/whoami_latest.tar"}})
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil)))
	if cfg["entrypoint"] != "/whoami --port 8080" || cfg["cmode"] != "console" || cfg["env"] != "PORT=8080" || cfg["ostype"] != "alpine" {
		t.Errorf("container from the downloaded OCI image: %v", cfg)
	}

	if _, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/rootfs.tar"}, "content": {"vztmpl"},
		"filename": {"rootfs.tar"}}); status != "OK" {
		t.Fatalf("plain tar download: %q", status)
	}
	if v := localVolume(sim, "local:vztmpl/rootfs.tar"); v == nil || v.OCI != nil || v.OSRelease != testOSRelease {
		t.Errorf("plain tar volume: %+v", v)
	}
}
