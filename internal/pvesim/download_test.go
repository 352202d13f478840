package pvesim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

const testOSRelease = "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\nID=debian\n"

// templateTar builds a small root file system; with link set, etc/os-release
// is a symlink to ../usr/lib/os-release as on Debian.
func templateTar(t *testing.T, link bool) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add(&tar.Header{Name: "./etc/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	if link {
		add(&tar.Header{Name: "./etc/os-release", Typeflag: tar.TypeSymlink, Linkname: "../usr/lib/os-release", Mode: 0o777}, "")
		add(&tar.Header{Name: "./usr/lib/os-release", Typeflag: tar.TypeReg, Mode: 0o644}, testOSRelease)
	} else {
		add(&tar.Header{Name: "./etc/os-release", Typeflag: tar.TypeReg, Mode: 0o644}, testOSRelease)
	}
	add(&tar.Header{Name: "./etc/hostname", Typeflag: tar.TypeReg, Mode: 0o644}, "template\n")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipBytes(t *testing.T, raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t *testing.T, raw []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(raw, nil)
}

// fileServer serves fixed files over TLS with a certificate no system trusts.
func fileServer(t *testing.T, files map[string][]byte) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/get" {
			w.Header().Set("Content-Disposition", `attachment; filename="debian-13.iso"`)
		}
		w.Header().Set("Content-Type", "application/octet-stream; charset=binary")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func postDownload(t *testing.T, sim *Simulator, form url.Values) (apiResponse, string) {
	t.Helper()
	r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/local/download-url", form)
	if r.Status != 200 {
		return r, ""
	}
	return r, waitTask(t, sim, mustString(t, data(r)))
}

func localVolume(sim *Simulator, volid string) *volume {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	return sim.nodeByName("pve1").Storages["local"].Volumes[volid]
}

// download-url fetches for real and checks the server's certificate like
// wget does unless verify-certificates=0 (pve-storage
// src/PVE/API2/Storage/Status.pm download_url, pve-common PVE/Tools.pm
// download_file_from_url: "download failed: " and wget's last line).
func TestDownloadURLCertificates(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	iso := bytes.Repeat([]byte("iso9660 "), 4096)
	srv := fileServer(t, map[string][]byte{"/debian.iso": iso})

	r, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/debian.iso"}, "content": {"iso"}, "filename": {"debian.iso"}})
	if status != "download failed: ERROR: The certificate of '127.0.0.1' doesn't have a known issuer." {
		t.Errorf("untrusted certificate: %q (%s)", status, r.Raw)
	}
	if localVolume(sim, "local:iso/debian.iso") != nil {
		t.Error("a failed download left a volume")
	}
	r, status = postDownload(t, sim, url.Values{"url": {srv.URL + "/debian.iso"}, "content": {"iso"}, "filename": {"debian.iso"},
		"verify-certificates": {"0"}})
	if status != "OK" {
		t.Fatalf("verify-certificates=0: %q", status)
	}
	log := taskLog(t, sim, "pve1", mustString(t, data(r)))
	for _, want := range []string{
		"downloading " + srv.URL + "/debian.iso to /var/lib/vz/template/iso/debian.iso",
		"HTTP request sent, awaiting response... 200 OK",
		"download of '" + srv.URL + "/debian.iso' to '/var/lib/vz/template/iso/debian.iso' finished",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("task log lacks %q:\n%s", want, log)
		}
	}
	if v := localVolume(sim, "local:iso/debian.iso"); v == nil || v.Size != int64(len(iso)) || v.Format != "iso" {
		t.Fatalf("volume: %+v", v)
	}
	// The file exists now: PVE refuses to overwrite it.
	if _, status = postDownload(t, sim, url.Values{"url": {srv.URL + "/debian.iso"}, "content": {"iso"}, "filename": {"debian.iso"},
		"verify-certificates": {"0"}}); status != "refusing to override existing file '/var/lib/vz/template/iso/debian.iso'" {
		t.Errorf("second download: %q", status)
	}
	// A node that trusts the server's CA verifies the certificate and downloads.
	downloadRootCAs = mustTransport(t, srv.Client().Transport).TLSClientConfig.RootCAs
	t.Cleanup(func() { downloadRootCAs = nil })
	if _, status = postDownload(t, sim, url.Values{"url": {srv.URL + "/debian.iso"}, "content": {"iso"}, "filename": {"trusted.iso"}}); status != "OK" {
		t.Errorf("trusted certificate: %q", status)
	}
	if _, status = postDownload(t, sim, url.Values{"url": {srv.URL + "/missing.iso"}, "content": {"iso"},
		"filename": {"m.iso"}}); !strings.HasSuffix(status, "ERROR 404: Not Found.") || !strings.HasPrefix(status, "download failed: ") {
		t.Errorf("404: %q", status)
	}
}

// Checksums are compared after the download, case-insensitively, with PVE's
// message on mismatch (PVE/Tools.pm download_file_from_url).
func TestDownloadURLChecksum(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	iso := []byte(strings.Repeat("x", 10000))
	srv := fileServer(t, map[string][]byte{"/a.iso": iso})
	downloadRootCAs = mustTransport(t, srv.Client().Transport).TLSClientConfig.RootCAs
	t.Cleanup(func() { downloadRootCAs = nil })
	sum := sha256.Sum256(iso)
	good := hex.EncodeToString(sum[:])
	bad := strings.Repeat("0", 64)
	_, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/a.iso"}, "content": {"iso"}, "filename": {"a.iso"}, "checksum": {bad},
		"checksum-algorithm": {"sha256"}})
	if want := "checksum mismatch: got '" + good + "' != expect '" + bad + "'"; status != want {
		t.Errorf("mismatch: %q, want %q", status, want)
	}
	r, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/a.iso"}, "content": {"iso"}, "filename": {"a.iso"},
		"checksum": {strings.ToUpper(good)}, "checksum-algorithm": {"sha256"}})
	if status != "OK" || !strings.Contains(taskLog(t, sim, "pve1", mustString(t, data(r))), "calculating checksum...OK, checksum verified") {
		t.Errorf("matching checksum: %q", status)
	}
	if r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/local/download-url",
		url.Values{"url": {srv.URL + "/a.iso"}, "content": {"iso"}, "filename": {"b.iso"}, "checksum": {good}}); r.Status != 400 ||
		!strings.Contains(r.Raw, `"checksum-algorithm":"missing property required by 'checksum'"`) {
		// The schema's requires (JSONSchema.pm check_object), applied by the validator.
		t.Errorf("checksum without algorithm: %d %s", r.Status, r.Raw)
	}
}

// A downloaded template's OS is read from etc/os-release inside the archive
// (following Debian's link to usr/lib/os-release), as PVE's LXC setup code
// reads it from the extracted root; .tar.gz and .tar.zst both work.
func TestDownloadURLTemplateOSRelease(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	srv := fileServer(t, map[string][]byte{
		"/plain.tar.gz": gzipBytes(t, templateTar(t, false)),
		"/link.tar.zst": zstdBytes(t, templateTar(t, true)),
	})
	for _, name := range []string{"plain.tar.gz", "link.tar.zst"} {
		_, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/" + name}, "content": {"vztmpl"}, "filename": {"custom-" + name},
			"verify-certificates": {"0"}})
		if status != "OK" {
			t.Fatalf("%s: %q", name, status)
		}
		v := localVolume(sim, "local:vztmpl/custom-"+name)
		if v == nil || v.OSRelease != testOSRelease || v.Content != "vztmpl" {
			t.Fatalf("%s: volume %+v", name, v)
		}
	}
	items := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local/content", url.Values{"content": {"vztmpl"}})))
	found := false
	for _, it := range items {
		m := mustMap(t, it)
		if m["volid"] == "local:vztmpl/custom-link.tar.zst" && m["format"] == "tzst" && m["size"] == float64(len(zstdBytes(t, templateTar(t, true)))) {
			found = true
		}
	}
	if !found {
		t.Errorf("content listing: %v", items)
	}
}

// download-url's parameter rules (Status.pm download_url): file names are
// normalized and must carry the content type's extension, decompression is
// for ISOs only, and only file based storages take downloads.
func TestDownloadURLRules(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	cases := []struct {
		storage string
		form    url.Values
		status  int
		reason  string
		field   string
	}{
		{"local", url.Values{"content": {"iso"}, "filename": {"x.img.gz"}}, 400, "Parameter verification failed.", "filename"},
		{"local", url.Values{"content": {"vztmpl"}, "filename": {"x.tar"}}, 400, "Parameter verification failed.", "filename"},
		{"local", url.Values{"content": {"backup"}, "filename": {"x.tar"}}, 400, "Parameter verification failed.", "content"},
		{"local", url.Values{"content": {"import"}, "filename": {"x.iso"}}, 500, "storage 'local' is not configured for content-type 'import'", ""},
		{"local-lvm", url.Values{"content": {"iso"}, "filename": {"x.iso"}}, 500, "can't upload to storage type 'lvmthin', not a file based storage!", ""},
	}
	for _, c := range cases {
		c.form.Set("url", "https://127.0.0.1:1/file")
		r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/"+c.storage+"/download-url", c.form)
		if r.Status != c.status || r.Reason != c.reason {
			t.Errorf("%v: %d %q, want %d %q", c.form, r.Status, r.Reason, c.status, c.reason)
		}
		if c.field != "" {
			if errs, _ := r.Body["errors"].(map[string]any); errs[c.field] == nil {
				t.Errorf("%v: errors %v lack %s", c.form, r.Body["errors"], c.field)
			}
		}
	}
	_, status := postDownload(t, sim, url.Values{"url": {"https://127.0.0.1:1/t.tar.gz"}, "content": {"vztmpl"}, "filename": {"t.tar.gz"},
		"compression": {"gz"}})
	if status != "decompression not supported for vztmpl" {
		t.Errorf("compression for a template: %q", status)
	}
	if got := normalizeContentFilename("../dir/my file(1).iso"); got != "my_file_1_.iso" {
		t.Errorf("normalized name: %q", got)
	}
}

// An ISO given a compression is stored decompressed (decompressor_info in
// Storage.pm, the decompression step of download_file_from_url).
func TestDownloadURLDecompressesISO(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	iso := bytes.Repeat([]byte("CD001 "), 50000)
	srv := fileServer(t, map[string][]byte{"/x.iso.gz": gzipBytes(t, iso)})
	r, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/x.iso.gz"}, "content": {"iso"}, "filename": {"x.iso"}, "compression": {"gz"},
		"verify-certificates": {"0"}})
	if status != "OK" {
		t.Fatalf("download: %q", status)
	}
	if v := localVolume(sim, "local:iso/x.iso"); v == nil || v.Size != int64(len(iso)) {
		t.Errorf("decompressed ISO: %+v", v)
	}
	if !strings.Contains(taskLog(t, sim, "pve1", mustString(t, data(r))), "decompressing /var/lib/vz/template/iso/x.iso.tmp_dwnl.") {
		t.Error("no decompressing line in the task log")
	}
}

// URLs of the official template index are served from the simulator's own
// template set, with its os-release (there is no internet here).
func TestDownloadURLOfficialTemplate(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	name := "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"
	_, status := postDownload(t, sim, url.Values{"url": {"http://download.proxmox.com/images/system/" + name}, "content": {"vztmpl"},
		"filename": {name}})
	if status != "OK" {
		t.Fatalf("official template: %q", status)
	}
	v := localVolume(sim, "local:vztmpl/"+name)
	if v == nil || !strings.Contains(v.OSRelease, "ubuntu") {
		t.Fatalf("volume: %+v", v)
	}
}

// query-url-metadata answers name, size and type from a HEAD request
// (pve-manager PVE/API2/Nodes.pm query_url_metadata).
func TestQueryURLMetadata(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	srv := fileServer(t, map[string][]byte{"/get": []byte("12345"), "/files/alpine.iso": []byte("abc")})
	r := call(t, sim, http.MethodGet, "/nodes/pve1/query-url-metadata", url.Values{"url": {srv.URL + "/get?id=7"}, "verify-certificates": {"0"}})
	md, _ := data(r).(map[string]any)
	if md["filename"] != "debian-13.iso" || md["size"] != float64(5) || md["mimetype"] != "application/octet-stream" {
		t.Errorf("metadata: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodGet, "/nodes/pve1/query-url-metadata",
		url.Values{"url": {srv.URL + "/files/alpine.iso?x=1"}, "verify-certificates": {"0"}})
	if md, _ := data(r).(map[string]any); md["filename"] != "alpine.iso" {
		t.Errorf("name from the URL: %s", r.Raw)
	}
	r = call(t, sim, http.MethodGet, "/nodes/pve1/query-url-metadata", url.Values{"url": {srv.URL + "/nothing"}, "verify-certificates": {"0"}})
	if r.Status != 500 || r.Reason != "invalid server response: '404 Not Found'" {
		t.Errorf("404: %d %s", r.Status, r.Reason)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	r = call(t, sim, http.MethodGet, "/nodes/pve1/query-url-metadata", url.Values{"url": {srv.URL + "/get"}})
	if want := "invalid server response: '500 Can't connect to " + host + " (certificate verify failed)'"; r.Reason != want {
		t.Errorf("untrusted certificate: %q, want %q", r.Reason, want)
	}
}

// PVE 9 takes plain .tar templates (OCI images): master's $VZTMPL_EXT_RE_1
// in Storage.pm; PVE 8 does not.
func TestDownloadURLPlainTarPerRelease(t *testing.T) {
	for release, want := range map[string]int{"8.4": 400, "9.1": 200} {
		sim := startSim(t, Options{Nodes: 1, PVEVersion: release})
		r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/local/download-url",
			url.Values{"url": {"https://127.0.0.1:1/img.tar"}, "content": {"vztmpl"}, "filename": {"img.tar"}})
		if r.Status != want {
			t.Errorf("%s: %d %s, want %d", release, r.Status, r.Raw, want)
		}
	}
}

// An OVA must hold an .ovf file (Status.pm assert_ova_contents, run by
// download_file_from_url's assert_file_validity).
func TestDownloadURLOVA(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"imp"}, "type": {"dir"}, "path": {"/mnt/imp"}, "content": {"import"}})
	ova := func(names ...string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, n := range names {
			_ = tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
			_, _ = tw.Write([]byte("x\n"))
		}
		_ = tw.Close()
		return b.Bytes()
	}
	srv := fileServer(t, map[string][]byte{"/good.ova": ova("vm.ovf", "disk1.vmdk"), "/bad.ova": ova("disk1.vmdk")})
	for name, want := range map[string]string{"good.ova": "OK", "bad.ova": "failed to verify file: ova archive has no .ovf file inside"} {
		r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/imp/download-url",
			url.Values{"url": {srv.URL + "/" + name}, "content": {"import"}, "filename": {name}, "verify-certificates": {"0"}})
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", name, r.Status, r.Raw)
		}
		if got := waitTask(t, sim, mustString(t, data(r))); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	sim.mu.Lock()
	vols := sim.nodeByName("pve1").Storages["imp"].Volumes
	good, bad := vols["imp:import/good.ova"], vols["imp:import/bad.ova"]
	sim.mu.Unlock()
	if good == nil || good.Format != "ova" || bad != nil {
		t.Errorf("volumes: good %+v, bad %+v", good, bad)
	}
}

// datacenter.cfg's http_proxy carries the download (Status.pm download_url
// passes it to wget as http_proxy and https_proxy).
func TestDownloadURLThroughProxy(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	var asked string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.String()
		_, _ = w.Write([]byte("iso through the proxy"))
	}))
	t.Cleanup(proxy.Close)
	if err := sim.cfs.WriteFile("/datacenter.cfg", []byte("keyboard: en-us\nhttp_proxy: "+proxy.URL+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	r, status := postDownload(t, sim, url.Values{"url": {"http://mirror.invalid/p.iso"}, "content": {"iso"}, "filename": {"p.iso"}})
	if status != "OK" || asked != "http://mirror.invalid/p.iso" {
		t.Fatalf("through the proxy: %q, proxy asked for %q", status, asked)
	}
	if !strings.Contains(taskLog(t, sim, "pve1", mustString(t, data(r))), "Proxy request sent, awaiting response... 200 OK") {
		t.Error("the task log does not show the proxy request")
	}
}
