package pvesim

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// downloadJob is one download-url worker: what PVE::Tools::download_file_from_url
// is given, plus what the simulator keeps of the file.
type downloadJob struct {
	url         string
	dest        string // the file's path on the node, as PVE logs it
	content     string // iso, vztmpl or import
	checksum    string
	algorithm   string
	compression string // iso only: gz, lzo, zst, bz2
	verify      bool
	proxy       string // datacenter.cfg's http_proxy
	room        int64  // bytes the storage has left; more is ENOSPC
}

// errNoSpace is a write past the storage's room.
var errNoSpace = errors.New("no space left on device")

// noSpaceLine is wget's last line when its output file cannot be written.
func noSpaceLine() string {
	return fmt.Sprintf("%s (0.00 B/s) - write error: No space left on device", time.Now().Format(wgetTime))
}

// roomWriter stands for the temporary file on the storage: it takes bytes
// until the storage is full.
type roomWriter struct{ left int64 }

func (w *roomWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > w.left {
		n := int(max(w.left, 0))
		w.left = 0
		return n, errNoSpace
	}
	w.left -= int64(len(p))
	return len(p), nil
}

// downloadResult is what the simulator keeps of a downloaded file: its
// size, and for a container template its etc/os-release.
type downloadResult struct {
	size      int64
	osRelease string
	oci       *ociImage // a plain .tar template that is an OCI image (PVE 9)
}

func newChecksum(algorithm string) hash.Hash {
	switch algorithm {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// wgetError is a failed wget run: the lines wget wrote before giving up.
// run_command with errmsg reports the last one ("download failed: ...").
type wgetError struct{ lines []string }

func (e *wgetError) Error() string { return "download failed: " + e.lines[len(e.lines)-1] }

// downloadClient fetches as wget and LWP do on a PVE node: the system's trust
// store unless certificate checks are off, no proxy from the environment
// but datacenter.cfg's http_proxy for both schemes (Status.pm download_url,
// Nodes.pm query_url_metadata), redirects followed. Each fetch is a process
// of its own there, so no connection outlives it: a kept-alive connection in
// a transport used once would stay open, with its goroutines, until the
// remote server closes it.
func downloadClient(verify bool, proxy string) *http.Client {
	tr := &http.Transport{
		//nolint:gosec // verify-certificates=0 asks for exactly this.
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: !verify, RootCAs: downloadRootCAs},
		TLSHandshakeTimeout: 30 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		DisableKeepAlives:   true,
	}
	if u, err := url.Parse(proxy); err == nil && proxy != "" {
		tr.Proxy = http.ProxyURL(u)
	}
	return &http.Client{Transport: tr}
}

// downloadRootCAs replaces the system's trust store when set; only tests
// set it, to stand for a node that trusts their server's CA.
var downloadRootCAs *x509.CertPool

// wgetTime is the time stamp format of wget's log lines.
const wgetTime = "2006-01-02 15:04:05"

// wgetSize is the short size wget prints after "Length:".
func wgetSize(n int64) string {
	switch {
	case n >= gib:
		return fmt.Sprintf("%.1fG", float64(n)/float64(gib))
	case n >= 10*mib:
		return fmt.Sprintf("%dM", n/mib)
	case n >= mib:
		return fmt.Sprintf("%.1fM", float64(n)/float64(mib))
	case n >= 1024:
		return fmt.Sprintf("%dK", n/1024)
	}
	return strconv.FormatInt(n, 10)
}

// wgetConnectLines are wget's lines up to the connection, and the lines of a
// failure to connect, as wget (GnuTLS build, LC_ALL=C) prints them.
func wgetConnectLines(u *url.URL, err error) []string {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	var lines []string
	addr := host + ":" + port
	if net.ParseIP(host) == nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return append(lines, fmt.Sprintf("Resolving %s (%s)... failed: Name or service not known.", host, host),
				fmt.Sprintf("wget: unable to resolve host address '%s'", host))
		}
		lines = append(lines, fmt.Sprintf("Resolving %s (%s)... %s", host, host, host))
		addr = fmt.Sprintf("%s (%s)|%s|:%s", host, host, host, port)
	}
	if err == nil {
		return append(lines, "Connecting to "+addr+"... connected.")
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return append(lines, "Connecting to "+addr+"... failed: Connection refused.")
	}
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	lines = append(lines, "Connecting to "+addr+"... connected.")
	switch {
	case errors.As(err, &unknown):
		return append(lines, fmt.Sprintf("ERROR: The certificate of '%s' is not trusted.", host),
			fmt.Sprintf("ERROR: The certificate of '%s' doesn't have a known issuer.", host))
	case errors.As(err, &hostErr):
		return append(lines, "ERROR: no certificate subject alternative name matches",
			fmt.Sprintf("\trequested host name '%s'.", host),
			fmt.Sprintf("To connect to %s insecurely, use `--no-check-certificate'.", host))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return append(lines, fmt.Sprintf("ERROR: The certificate of '%s' has expired.", host))
	}
	return append(lines, "Unable to establish SSL connection.")
}

// fetch opens the URL as wget does and logs wget's lines; the caller reads
// the body. A failure is a *wgetError.
func fetch(ctx context.Context, logf func(string, ...any), rawURL, saveAs string, verify bool, proxy string) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &wgetError{lines: []string{rawURL + ": Invalid URL."}}
	}
	logf("--%s--  %s", time.Now().Format(wgetTime), rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &wgetError{lines: []string{rawURL + ": Invalid URL."}}
	}
	req.Header.Set("User-Agent", "Wget/1.21.3")
	resp, err := downloadClient(verify, proxy).Do(req)
	// Through a proxy, wget connects to the proxy and asks it.
	sent := "HTTP request sent"
	if pu, perr := url.Parse(proxy); perr == nil && proxy != "" {
		u, sent = pu, "Proxy request sent"
	}
	lines := wgetConnectLines(u, err)
	for _, l := range lines {
		logf("%s", l)
	}
	if err != nil {
		return nil, &wgetError{lines: lines}
	}
	logf("%s, awaiting response... %s", sent, resp.Status)
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		line := fmt.Sprintf("%s ERROR %d: %s.", time.Now().Format(wgetTime), resp.StatusCode, http.StatusText(resp.StatusCode))
		logf("%s", line)
		return nil, &wgetError{lines: []string{line}}
	}
	ctype := resp.Header.Get("Content-Type")
	if resp.ContentLength >= 0 {
		logf("Length: %d (%s) [%s]", resp.ContentLength, wgetSize(resp.ContentLength), ctype)
	} else {
		logf("Length: unspecified [%s]", ctype)
	}
	logf("Saving to: '%s'", saveAs)
	return resp, nil
}

// downloadFile is download_file_from_url (PVE/Tools.pm) for a file that is
// streamed, never kept: the bytes pass through a counter, the checksum and,
// for a template, a tar reader that picks up etc/os-release.
func downloadFile(logf func(string, ...any), job downloadJob, pid int, body func() (io.ReadCloser, int64, error)) (downloadResult, error) {
	var res downloadResult
	tmp := fmt.Sprintf("%s.tmp_dwnl.%d", job.dest, pid)
	rc, length, err := body()
	if err != nil {
		return res, err
	}
	defer rc.Close()
	start := time.Now()
	sum := newChecksum(job.algorithm)
	var sinks []io.Writer
	if sum != nil {
		sinks = append(sinks, sum)
	}
	inspect, inspected := archiveInspector(job)
	if inspect != nil {
		sinks = append(sinks, inspect)
	}
	n, err := io.Copy(io.MultiWriter(append([]io.Writer{&roomWriter{left: job.room}}, sinks...)...), rc)
	if inspect != nil {
		inspect.Close()
	}
	if errors.Is(err, errNoSpace) {
		line := noSpaceLine()
		logf("%s", line)
		return res, &wgetError{lines: []string{line}}
	}
	if err != nil {
		line := fmt.Sprintf("%s (%s) - Read error at byte %d/%d (%v). Giving up.", time.Now().Format(wgetTime), "0.00 B/s", n, length, err)
		logf("%s", line)
		return res, &wgetError{lines: []string{line}}
	}
	secs := max(time.Since(start).Seconds(), 0.001)
	logf("%s (%.1f MB/s) - '%s' saved [%d/%d]", time.Now().Format(wgetTime), float64(n)/secs/1e6, tmp, n, max(length, n))
	if sum != nil {
		got := hex.EncodeToString(sum.Sum(nil))
		if !strings.EqualFold(got, job.checksum) {
			logf("calculating checksum...")
			return res, fmt.Errorf("checksum mismatch: got '%s' != expect '%s'", got, job.checksum)
		}
		logf("calculating checksum...OK, checksum verified")
	}
	res.size = n
	if inspected != nil {
		r := <-inspected
		if job.compression != "" {
			dcom := fmt.Sprintf("%s.tmp_dcom.%d", job.dest, pid)
			logf("decompressing %s to %s", tmp, dcom)
			if r.err != nil {
				return res, fmt.Errorf("command '%s %s' failed: exit code 1", decompressorCommand(job.compression), tmp)
			}
		}
		if job.content == "import" {
			// assert_file_validity runs on the downloaded file.
			if r.err != nil {
				return res, fmt.Errorf("failed to verify file: command 'tar -t -f %s' failed: exit code 2", tmp)
			}
			if !r.ovf {
				return res, fmt.Errorf("failed to verify file: ova archive has no .ovf file inside")
			}
		}
		res.size, res.osRelease, res.oci = r.size, r.osRelease, r.oci
		if job.compression == "" {
			res.size = n
		}
	}
	return res, nil
}

// decompressorCommand is decompressor_info's command for ISOs (Storage.pm).
func decompressorCommand(compression string) string {
	return map[string]string{"gz": "zcat", "lzo": "lzop -d -c", "zst": "zstd -q -d -c", "bz2": "bzcat -q"}[compression]
}

// inspection is what the archive inspector learned from the stream.
type inspection struct {
	size      int64 // decompressed size (ISOs given a compression)
	osRelease string
	ovf       bool // an OVA holds an .ovf file
	oci       *ociImage
	err       error
}

// ovaHasOVF lists an OVA (a tar archive) for its .ovf file, as
// assert_ova_contents (Status.pm) does with tar -t.
func ovaHasOVF(r io.Reader) (bool, error) {
	tr := tar.NewReader(r)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return false, err
		}
		if strings.HasSuffix(h.Name, ".ovf") {
			found = true
		}
	}
}

// archiveInspector returns a writer fed with the downloaded bytes and the
// channel its findings arrive on, or nils when the file needs no look
// inside: compressed ISOs are decompressed to learn their real size, and
// templates are read for etc/os-release, as PVE's setup code reads it from
// the extracted root.
func archiveInspector(job downloadJob) (io.WriteCloser, <-chan inspection) {
	isOVA := job.content == "import" && strings.HasSuffix(job.dest, ".ova")
	switch {
	case job.content == "iso" && job.compression != "":
	case job.content == "vztmpl", isOVA:
	default:
		return nil, nil
	}
	pr, pw := io.Pipe()
	out := make(chan inspection, 1)
	go func() {
		var r inspection
		defer func() {
			// Whatever went wrong, the writer must never block.
			_, _ = io.Copy(io.Discard, pr)
			out <- r
		}()
		if isOVA {
			r.ovf, r.err = ovaHasOVF(pr)
			return
		}
		if job.content == "iso" {
			dec, err := decompressor(job.compression, pr)
			if err != nil {
				r.err = err
				return
			}
			r.size, r.err = io.Copy(io.Discard, dec)
			return
		}
		if ociArchiveName(job.dest) {
			r.oci, r.osRelease, r.err = plainTarTemplate(job.dest, pr)
			return
		}
		r.osRelease, r.err = templateOSRelease(job.dest, pr)
	}()
	return pw, out
}

// decompressor opens a compressed stream by PVE's compression names.
func decompressor(compression string, r io.Reader) (io.Reader, error) {
	switch compression {
	case "gz":
		return gzip.NewReader(r)
	case "zst":
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case "xz":
		return xz.NewReader(r)
	case "bz2":
		return bzip2.NewReader(r), nil
	case "":
		return r, nil
	}
	return nil, fmt.Errorf("no %s decompressor in the simulator", compression)
}

// templateCompression tells a template archive's compression from its name.
func templateCompression(name string) string {
	for _, c := range []string{"gz", "xz", "zst", "bz2"} {
		if strings.HasSuffix(strings.ToLower(name), ".tar."+c) {
			return c
		}
	}
	return ""
}

// templateOSRelease reads a template archive for etc/os-release; on Debian
// it is a link to usr/lib/os-release, so both are kept and the link is
// followed once the archive is read.
func templateOSRelease(name string, r io.Reader) (string, error) {
	dec, err := decompressor(templateCompression(name), r)
	if err != nil {
		return "", err
	}
	files := map[string]string{}
	links := map[string]string{}
	tr := tar.NewReader(dec)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		switch {
		case p != "etc/os-release" && p != "usr/lib/os-release":
		case h.Typeflag == tar.TypeSymlink:
			links[p] = h.Linkname
		case h.Typeflag == tar.TypeReg && h.Size <= 64*1024:
			var b bytes.Buffer
			if _, err := io.Copy(&b, tr); err != nil {
				return "", err
			}
			files[p] = b.String()
		}
	}
	p := "etc/os-release"
	for range 4 {
		target, ok := links[p]
		if !ok {
			break
		}
		if strings.HasPrefix(target, "/") {
			p = strings.TrimPrefix(path.Clean(target), "/")
		} else {
			p = strings.TrimPrefix(path.Clean("/"+path.Dir(p)+"/"+target), "/")
		}
	}
	return files[p], nil
}

// plainTarTemplate reads an uncompressed .tar template, which PVE 9 takes
// either as an OCI image archive (pve-container master src/PVE/LXC/Create.pm
// archive_is_oci_format: oci-layout, index.json and blobs/ at the top) or as
// a plain root file system. Both readings run over the one stream: an OCI
// image's os-release is its topmost layer's, a plain tar's its own.
func plainTarTemplate(name string, r io.Reader) (*ociImage, string, error) {
	pr, pw := io.Pipe()
	type plain struct {
		osRelease string
		err       error
	}
	done := make(chan plain, 1)
	go func() {
		var p plain
		p.osRelease, p.err = templateOSRelease(name, pr)
		// Drain what the plain reader left, so the tee never blocks.
		_, _ = io.Copy(io.Discard, pr)
		done <- p
	}()
	img, ociErr := parseOCIArchive(io.TeeReader(r, pw))
	_, _ = io.Copy(pw, r)
	pw.Close()
	p := <-done
	switch {
	case img != nil:
		return img, img.OSRelease, nil
	case ociErr != nil && p.err != nil:
		return nil, "", p.err
	}
	return nil, p.osRelease, p.err
}
