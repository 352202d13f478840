package pvesim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// ociTestArchive builds an OCI image archive as skopeo's oci-archive writes
// it: oci-layout, index.json, and the manifest, config and one gzipped layer
// under blobs/sha256.
func ociTestArchive(t *testing.T, config map[string]any, osRelease string) []byte {
	t.Helper()
	var layer bytes.Buffer
	zw := gzip.NewWriter(&layer)
	lw := tar.NewWriter(zw)
	_ = lw.WriteHeader(&tar.Header{Name: "etc/os-release", Mode: 0o644, Size: int64(len(osRelease)), Typeflag: tar.TypeReg})
	_, _ = lw.Write([]byte(osRelease))
	_ = lw.Close()
	_ = zw.Close()
	blobs := map[string][]byte{}
	put := func(raw []byte) string {
		sum := sha256.Sum256(raw)
		d := "sha256:" + hex.EncodeToString(sum[:])
		blobs[d] = raw
		return d
	}
	layerDigest := put(layer.Bytes())
	cfgRaw, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "config": config})
	cfgDigest := put(cfgRaw)
	manRaw, _ := json.Marshal(map[string]any{"schemaVersion": 2,
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest, "size": len(cfgRaw)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": layer.Len()}}})
	manDigest := put(manRaw)
	indexRaw, _ := json.Marshal(map[string]any{"schemaVersion": 2,
		"manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manDigest, "size": len(manRaw)}}})
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	add := func(name string, raw []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(raw)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(raw)
	}
	for d, raw := range blobs {
		add("blobs/"+strings.Replace(d, ":", "/", 1), raw)
	}
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	add("index.json", indexRaw)
	_ = tw.Close()
	return out.Bytes()
}

// TestOCIArchiveToConfig follows pve-container master src/PVE/LXC/Create.pm:
// archive_is_oci_format (oci-layout, index.json and blobs/ in a .tar) and
// restore_oci_archive (Entrypoint+Cmd through PVE::Cmd::to_string into
// `entrypoint` with cmode console and host-managed networks, Env joined by
// NUL into `env`, lxc.init.cwd and lxc.signal.halt lines).
func TestOCIArchiveToConfig(t *testing.T) {
	alpine := appliancesPVE9[1].userland.osRelease
	raw := ociTestArchive(t, map[string]any{
		"Entrypoint": []string{"/docker-entrypoint.sh"},
		"Cmd":        []string{"nginx", "-g", "daemon off;"},
		"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.27.0"},
		"WorkingDir": "/srv",
		"StopSignal": "SIGQUIT",
	}, alpine)
	img, err := parseOCIArchive(bytes.NewReader(raw))
	if err != nil || img == nil {
		t.Fatalf("parse: %v %v", img, err)
	}
	if img.OSRelease != alpine {
		t.Errorf("os-release from the layer: %q", img.OSRelease)
	}
	cfg := map[string]string{"net0": "name=eth0,bridge=vmbr0,ip=dhcp", "net1": "name=eth1,bridge=vmbr1,host-managed=0"}
	lxc, err := applyOCIConfig(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["entrypoint"] != "/docker-entrypoint.sh nginx -g 'daemon off;'" || cfg["cmode"] != "console" {
		t.Errorf("entrypoint %q cmode %q", cfg["entrypoint"], cfg["cmode"])
	}
	if propertyValue(cfg["net0"], "host-managed") != "1" || propertyValue(cfg["net1"], "host-managed") != "0" {
		t.Errorf("networks: %q %q", cfg["net0"], cfg["net1"])
	}
	if cfg["env"] != "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\x00NGINX_VERSION=1.27.0" {
		t.Errorf("env %q", cfg["env"])
	}
	if len(lxc) != 2 || lxc[0] != [2]string{"lxc.init.cwd", "/srv"} || lxc[1] != [2]string{"lxc.signal.halt", "SIGQUIT"} {
		t.Errorf("lxc lines %v", lxc)
	}
	// An image whose init is /sbin/init keeps PVE's defaults.
	cfg = map[string]string{"net0": "name=eth0,bridge=vmbr0"}
	if _, err := applyOCIConfig(&ociImage{Cmd: []string{"/sbin/init"}}, cfg); err != nil || cfg["entrypoint"] != "" || cfg["cmode"] != "" ||
		strings.Contains(cfg["net0"], "host-managed") {
		t.Errorf("/sbin/init image: %v %v", cfg, err)
	}
	// Control characters are refused as restore_oci_archive refuses them.
	if _, err := applyOCIConfig(&ociImage{Env: []string{"A=\x1b"}}, map[string]string{}); err == nil ||
		err.Error() != "OCI config array-value for 'Env' contains forbidden control characters!" {
		t.Errorf("control character: %v", err)
	}
	// A plain tar is no OCI image.
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	_ = tw.WriteHeader(&tar.Header{Name: "etc/os-release", Size: 3, Mode: 0o644, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("x=1"))
	_ = tw.Close()
	if img, err := parseOCIArchive(&plain); img != nil || err != nil {
		t.Errorf("plain tar: %v %v", img, err)
	}
	if perlShellQuote("it's") != `'it'\''s'` || perlShellQuote("") != "''" || perlShellQuote("a-b_c/d") != "a-b_c/d" {
		t.Error("shellQuote differs from String::ShellQuote")
	}
}

// TestEntrypointAndEnvAre91Options: the container options entrypoint and env
// exist from pve-container 6 (PVE 9) on (src/PVE/LXC/Config.pm $confdesc);
// PVE 8.4's schema has neither, so the API refuses them as unknown.
func TestEntrypointAndEnvAre91Options(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		sim := startSim(t, Options{PVEVersion: release, Nodes: 1})
		createCT(t, sim, "pve1", 100, url.Values{"ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"}})
		r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"entrypoint": {"/usr/bin/app --serve"}, "env": {"A=1"}})
		errs, _ := r.Body["errors"].(map[string]any)
		switch release {
		case "8.4":
			if r.Status != 400 || errs["entrypoint"] != "property is not defined in schema and the schema does not allow additional properties" ||
				errs["env"] == nil {
				t.Errorf("8.4 accepted entrypoint/env: %d %s", r.Status, r.Raw)
			}
		case "9.1":
			if r.Status == 400 && (errs["entrypoint"] != nil || errs["env"] != nil) {
				t.Errorf("9.1 refused entrypoint/env: %s", r.Raw)
			}
		}
	}
}
