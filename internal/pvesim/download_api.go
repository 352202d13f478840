package pvesim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// downloadRoutes registers the paths of download-url, query-url-metadata
// and oci-registry-pull.
func (s *Simulator) downloadRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/nodes/{node}/storage/{storage}/download-url": {"POST": s.downloadURL},
		"/nodes/{node}/query-url-metadata":             {"GET": s.queryURLMetadata},
		// PVE 9.1 only (router.go releaseSpecificPaths).
		"/nodes/{node}/storage/{storage}/oci-registry-pull": {"POST": s.ociRegistryPull},
	}
}

// The file name rules of download-url (Storage.pm $ISO_EXT_RE_0,
// $VZTMPL_EXT_RE_1, $SAFE_CHAR_CLASS_RE, $UPLOAD_IMPORT_EXT_RE_1). PVE 9
// also takes plain .tar templates (OCI images).
var (
	isoNameRE    = regexp.MustCompile(`(?i)[^/]+\.(?:iso|img)$`)
	vztmplNameRE = map[string]*regexp.Regexp{
		release84: regexp.MustCompile(`(?i)[^/]+\.tar\.(gz|xz|zst|bz2)$`),
		release91: regexp.MustCompile(`(?i)[^/]+\.(tar|tar\.(?:gz|xz|zst|bz2))$`),
	}
	importNameRE   = regexp.MustCompile(`[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$`)
	unsafeFileChar = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)
)

// normalizeContentFilename is normalize_content_filename (Storage.pm): the
// last path element, with every unsafe character turned into '_'.
func normalizeContentFilename(name string) string {
	name = strings.TrimSuffix(name, "\n")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return unsafeFileChar.ReplaceAllString(name, "_")
}

// contentDir is get_iso_dir, get_vztmpl_dir and get_import_dir.
func contentDir(st *storage, content string) string {
	sub := map[string]string{"iso": "template/iso", "vztmpl": "template/cache", "import": "import"}[content]
	return storageBasePath(st) + "/" + sub
}

// downloadFormat is the format the content listing shows for the file.
func downloadFormat(content, name string) string {
	switch content {
	case "iso":
		return "iso"
	case "import":
		return name[strings.LastIndex(name, ".")+1:]
	}
	if f := templateFormat(name); f != "raw" {
		return f
	}
	if c := templateCompression(name); c != "" {
		return "t" + c
	}
	return "tar"
}

// downloadURL is POST /nodes/{node}/storage/{storage}/download-url
// (API2/Storage/Status.pm download_url).
func (s *Simulator) downloadURL(r *request) (any, error) {
	// checksum and checksum-algorithm require each other through the
	// schema's 'requires', which the validator applies before any handler.
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	content := r.params["content"]
	st, aerr := s.fileStorageFor(n, r.params["storage"], content)
	if aerr != nil {
		return nil, aerr
	}
	filename := normalizeContentFilename(r.params["filename"])
	switch content {
	case "iso":
		if !isoNameRE.MatchString(filename) {
			return nil, paramFail("filename", "wrong file extension")
		}
	case "vztmpl":
		re := vztmplNameRE[s.release]
		if re == nil {
			re = vztmplNameRE[release84]
		}
		if !re.MatchString(filename) {
			return nil, paramFail("filename", "wrong file extension")
		}
	case "import":
		if !importNameRE.MatchString(filename) {
			return nil, paramFail("filename", "invalid filename or wrong extension")
		}
	}
	job := downloadJob{
		url: r.params["url"], dest: contentDir(st, content) + "/" + filename, content: content,
		checksum: r.params["checksum"], algorithm: r.params["checksum-algorithm"],
		compression: r.params["compression"], verify: !r.has("verify-certificates") || r.bool("verify-certificates"),
		proxy: s.readDatacenterConfig().values["http_proxy"],
	}
	volid := st.ID + ":" + content + "/" + filename
	tk := s.startTask(n, "download", encodeText(filename), r.userForTask(), func(t *taskCtx) error {
		return s.runDownload(t, st, volid, job)
	})
	return tk.UPID, nil
}

// fileStorageFor is the check download-url and oci-registry-pull make before
// their worker starts (Status.pm download_url, oci_registry_pull): the
// storage is enabled on the node, file based, and configured for content.
// The caller holds s.mu.
func (s *Simulator) fileStorageFor(n *node, id, content string) (*storage, *apiError) {
	st, aerr := s.enabledStorage(n, id)
	if aerr != nil {
		return nil, aerr
	}
	if plugin := s.storagePluginsOf()[st.Type]; plugin == nil || !plugin.fileBased {
		return nil, fail("can't upload to storage type '%s', not a file based storage!", st.Type)
	}
	if !st.Section.hasContent(content) {
		return nil, fail("storage '%s' is not configured for content-type '%s'", st.ID, content)
	}
	return st, nil
}

// addFetchedVolume stores the file a download-url or oci-registry-pull
// worker fetched as a volume of its storage, unless the storage has no room
// left for it. The caller does not hold s.mu.
func (s *Simulator) addFetchedVolume(st *storage, v *volume) bool {
	s.mu.Lock()
	if s.storageFree(st) < v.Size {
		s.mu.Unlock()
		return false
	}
	st.Volumes[v.VolID] = v
	s.mu.Unlock()
	s.persistSoon()
	return true
}

// runDownload is the download worker: decompression is for ISOs only, an
// existing file is kept when its checksum matches and never overwritten
// otherwise, then the file is fetched and becomes a volume of the storage.
func (s *Simulator) runDownload(t *taskCtx, st *storage, volid string, job downloadJob) error {
	if job.compression != "" && job.content != "iso" {
		return fmt.Errorf("decompression not supported for %s", job.content)
	}
	t.logf("downloading %s to %s", job.url, job.dest)
	s.mu.Lock()
	existing := st.Volumes[volid]
	// wget writes until the storage's file system is full; the simulator
	// counts the bytes against the room left, so an endless body ends too.
	job.room = s.storageFree(st)
	s.mu.Unlock()
	if existing != nil {
		if job.algorithm == "" {
			return fmt.Errorf("refusing to override existing file '%s'", job.dest)
		}
		// The simulator keeps no bytes; a volume's checksum is that of the
		// bytes it was made from, which it does not know either.
		t.logf("calculating checksum of existing file...")
		return fmt.Errorf("checksum mismatch: got '%s' != expect '%s', aborting", strings.Repeat("0", len(job.checksum)), job.checksum)
	}
	if err := s.faults.taskFailure("download"); err != nil {
		return fmt.Errorf("download failed: %w", err)
	}
	official, isOfficial := officialTemplate(s, job.url)
	isOfficial = isOfficial && job.content == "vztmpl"
	tmp := fmt.Sprintf("%s.tmp_dwnl.%d", job.dest, t.task.PID)
	body := func() (io.ReadCloser, int64, error) {
		if isOfficial {
			return officialTemplateBody(t, job.url, tmp, official)
		}
		resp, err := fetch(t, t.logf, job.url, tmp, job.verify, job.proxy)
		if err != nil {
			return nil, 0, err
		}
		return resp.Body, resp.ContentLength, nil
	}
	res, err := downloadFile(t.logf, job, t.task.PID, body)
	if err != nil {
		return err
	}
	var v *volume
	switch {
	case isOfficial:
		v = templateVolume(st.ID, official)
		v.VolID = volid
	default:
		name := strings.TrimPrefix(volid, st.ID+":"+job.content+"/")
		v = &volume{VolID: volid, Content: job.content, Format: downloadFormat(job.content, name), Size: res.size, CTime: time.Now().Unix(),
			OSRelease: res.osRelease, OCI: res.oci}
	}
	if !s.addFetchedVolume(st, v) {
		return &wgetError{lines: []string{noSpaceLine()}}
	}
	t.logf("download of '%s' to '%s' finished", job.url, job.dest)
	return nil
}

// officialTemplateBody serves a template of the official index from the
// simulator's own set, as download.proxmox.com would: its bytes are the ones
// whose checksums the appliance index publishes.
func officialTemplateBody(t *taskCtx, url, tmp string, a appliance) (io.ReadCloser, int64, error) {
	t.logf("--%s--  %s", time.Now().Format(wgetTime), url)
	t.logf("Resolving download.proxmox.com (download.proxmox.com)... 2a01:7e0:0:424::249, 212.224.123.70")
	t.logf("Connecting to download.proxmox.com (download.proxmox.com)|2a01:7e0:0:424::249|:80... connected.")
	t.logf("HTTP request sent, awaiting response... 200 OK")
	t.logf("Length: %d (%s) [application/octet-stream]", a.size, wgetSize(a.size))
	t.logf("Saving to: '%s'", tmp)
	if err := t.sleep(3 * time.Second); err != nil {
		return nil, 0, err
	}
	content := a.content()
	return io.NopCloser(bytes.NewReader(content)), int64(len(content)), nil
}

// urlMetadata is what query-url-metadata answers; absent fields are left out.
type urlMetadata struct {
	Filename string `json:"filename,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Mimetype string `json:"mimetype,omitempty"`
}

var (
	dispositionQuotedRE = regexp.MustCompile(`filename="([^"]*)"`)
	dispositionPlainRE  = regexp.MustCompile(`filename=([^;]*)`)
	urlFilenameRE       = regexp.MustCompile(`^[^?]+/([^?/]*)(?:\?.*)?$`)
)

// queryURLMetadata is GET /nodes/{node}/query-url-metadata (pve-manager
// API2/Nodes.pm query_url_metadata): a HEAD request, anything but 200 an
// error, and the name, size and type from its headers.
func (s *Simulator) queryURLMetadata(r *request) (any, error) {
	rawURL := r.params["url"]
	verify := !r.has("verify-certificates") || r.bool("verify-certificates")
	if a, ok := officialTemplate(s, rawURL); ok {
		return urlMetadata{Filename: a.template, Size: a.size, Mimetype: "application/octet-stream"}, nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, rawURL, nil)
	if err != nil {
		return nil, fail("invalid server response: '400 URL must be absolute'")
	}
	req.Header.Set("User-Agent", "Proxmox VE")
	s.mu.Lock()
	proxy := s.readDatacenterConfig().values["http_proxy"]
	s.mu.Unlock()
	resp, err := downloadClient(verify, proxy).Do(req)
	if err != nil {
		return nil, fail("invalid server response: '500 Can't connect to %s (%s)'", hostPort(req), lwpReason(err))
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail("invalid server response: '%s'", resp.Status)
	}
	var out urlMetadata
	disposition := resp.Header.Get("Content-Disposition")
	if m := dispositionQuotedRE.FindStringSubmatch(disposition); m != nil {
		out.Filename = m[1]
	} else if m := dispositionPlainRE.FindStringSubmatch(disposition); m != nil {
		out.Filename = m[1]
	} else if m := urlFilenameRE.FindStringSubmatch(rawURL); m != nil {
		out.Filename = m[1]
	}
	if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil {
		out.Size = n
	}
	out.Mimetype, _, _ = strings.Cut(resp.Header.Get("Content-Type"), ";")
	return out, nil
}

// hostPort is the host:port LWP names in its connection errors.
func hostPort(req *http.Request) string {
	if req.URL.Port() != "" {
		return req.URL.Host
	}
	return req.URL.Hostname() + map[string]string{"https": ":443", "http": ":80"}[req.URL.Scheme]
}

// lwpReason is the reason LWP's internal 500 response gives for a failed connection.
func lwpReason(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Connection refused"
	case errors.As(err, &dnsErr):
		return "Name or service not known"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr):
		return "certificate verify failed"
	}
	return err.Error()
}
