package pvesim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// ociImage is what PVE 9 takes from an OCI image archive used as a
// container template (pve-container src/PVE/LXC/Create.pm,
// restore_oci_archive, from the image config that proxmox-oci parses): the
// init command, environment, user, working directory, stop signal and data
// volumes, and the os-release its layers carry.
type ociImage struct {
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"`
	User       string   `json:"user,omitempty"`
	WorkingDir string   `json:"working_dir,omitempty"`
	StopSignal string   `json:"stop_signal,omitempty"`
	Volumes    []string `json:"volumes,omitempty"`
	OSRelease  string   `json:"os_release,omitempty"`
}

// maxOCIJSON bounds the JSON blobs (index, manifest, config) kept in memory
// while an archive streams past; layers are scanned, not kept.
const maxOCIJSON = 4 << 20

// ociArchiveName is the file name PVE 9 accepts as an OCI template: plain
// .tar in vztmpl content ($VZTMPL_EXT_RE_1 of pve-storage master; 8.x only
// knows .tar.{gz,xz,zst,bz2}), which archive_is_oci_format then lists.
func ociArchiveName(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".tar") }

// parseOCIArchive reads an OCI image archive (oci-layout, index.json and
// blobs/, as `skopeo copy ... oci-archive:` writes it) from a stream. An
// archive without those three is not an OCI image (archive_is_oci_format):
// nil and no error.
func parseOCIArchive(r io.Reader) (*ociImage, error) {
	var hasLayout, hasIndex, hasBlobs bool
	var index []byte
	jsonBlobs := map[string][]byte{}
	osReleases := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading OCI archive: %w", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "oci-layout":
			hasLayout = true
		case name == "index.json":
			hasIndex = true
			if index, err = io.ReadAll(io.LimitReader(tr, maxOCIJSON)); err != nil {
				return nil, err
			}
		case strings.HasPrefix(name, "blobs/"):
			hasBlobs = true
			if h.Typeflag != tar.TypeReg {
				continue
			}
			digest := strings.Replace(strings.TrimPrefix(name, "blobs/"), "/", ":", 1)
			blob, os, err := scanOCIBlob(tr, h.Size)
			if err != nil {
				return nil, err
			}
			if blob != nil {
				jsonBlobs[digest] = blob
			}
			if os != "" {
				osReleases[digest] = os
			}
		}
	}
	if !hasLayout || !hasIndex || !hasBlobs {
		return nil, nil
	}
	return resolveOCI(index, jsonBlobs, osReleases)
}

// scanOCIBlob keeps a small JSON blob, or finds etc/os-release in a layer
// (a tar, plain or gzip-compressed).
func scanOCIBlob(r io.Reader, size int64) ([]byte, string, error) {
	if size <= maxOCIJSON {
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, "", err
		}
		if json.Valid(raw) {
			return raw, "", nil
		}
		return nil, layerOSRelease(bytes.NewReader(raw)), nil
	}
	return nil, layerOSRelease(r), nil
}

// layerOSRelease finds etc/os-release (or usr/lib/os-release, which Debian
// links it to) in a layer.
func layerOSRelease(r io.Reader) string {
	br := &peekReader{r: r}
	var src io.Reader = br
	if head := br.peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return ""
		}
		src = zr
	}
	tr := tar.NewReader(src)
	found := map[string]string{}
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		name := strings.TrimPrefix(h.Name, "./")
		if (name == "etc/os-release" || name == "usr/lib/os-release") && h.Typeflag == tar.TypeReg {
			raw, _ := io.ReadAll(io.LimitReader(tr, 64<<10))
			found[name] = string(raw)
		}
	}
	if text := found["etc/os-release"]; text != "" {
		return text
	}
	return found["usr/lib/os-release"]
}

// peekReader lets the gzip magic be checked without losing the bytes.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func (p *peekReader) peek(n int) []byte {
	for len(p.buf) < n {
		chunk := make([]byte, n-len(p.buf))
		k, err := p.r.Read(chunk)
		p.buf = append(p.buf, chunk[:k]...)
		if err != nil {
			break
		}
	}
	return p.buf
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// resolveOCI follows index.json to the first manifest, the manifest to its
// config, and takes the os-release of the topmost layer that has one.
func resolveOCI(index []byte, blobs map[string][]byte, osReleases map[string]string) (*ociImage, error) {
	type descriptor struct {
		Digest string `json:"digest"`
	}
	var idx struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(index, &idx); err != nil || len(idx.Manifests) == 0 {
		return nil, fmt.Errorf("OCI archive: index.json names no manifest")
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(blobs[idx.Manifests[0].Digest], &manifest); err != nil {
		return nil, fmt.Errorf("OCI archive: manifest %s: %w", idx.Manifests[0].Digest, err)
	}
	var config struct {
		Config struct {
			Entrypoint []string            `json:"Entrypoint"`
			Cmd        []string            `json:"Cmd"`
			Env        []string            `json:"Env"`
			User       string              `json:"User"`
			WorkingDir string              `json:"WorkingDir"`
			StopSignal string              `json:"StopSignal"`
			Volumes    map[string]struct{} `json:"Volumes"`
		} `json:"config"`
	}
	if err := json.Unmarshal(blobs[manifest.Config.Digest], &config); err != nil {
		return nil, fmt.Errorf("OCI archive: image config %s: %w", manifest.Config.Digest, err)
	}
	c := config.Config
	img := &ociImage{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, User: c.User, WorkingDir: c.WorkingDir, StopSignal: c.StopSignal}
	for path := range c.Volumes {
		img.Volumes = append(img.Volumes, path)
	}
	sort.Strings(img.Volumes)
	for i := len(manifest.Layers) - 1; i >= 0 && img.OSRelease == ""; i-- {
		img.OSRelease = osReleases[manifest.Layers[i].Digest]
	}
	return img, nil
}

// ociControlChars are what restore_oci_archive refuses in config values.
var ociControlChars = regexp.MustCompile(`[\x00-\x08\x10-\x1F\x7F]`)

// applyOCIConfig maps the image config into the new container's config as
// restore_oci_archive does: Entrypoint plus Cmd become `entrypoint` (shell
// quoted, unless it is /sbin/init) with cmode console and host-managed
// networking on every netN that does not say otherwise; Env becomes `env`
// (NUL-separated); User, WorkingDir and StopSignal become raw lxc.init.* and
// lxc.signal.halt lines, returned for the config file.
func applyOCIConfig(img *ociImage, cfg map[string]string) (lxc [][2]string, err error) {
	for key, v := range map[string]string{"User": img.User, "WorkingDir": img.WorkingDir, "StopSignal": img.StopSignal} {
		if ociControlChars.MatchString(v) {
			return nil, fmt.Errorf("OCI config value for '%s' contains forbidden control characters!", key)
		}
	}
	for key, list := range map[string][]string{"Entrypoint": img.Entrypoint, "Cmd": img.Cmd, "Env": img.Env} {
		for _, v := range list {
			if ociControlChars.MatchString(v) {
				return nil, fmt.Errorf("OCI config array-value for '%s' contains forbidden control characters!", key)
			}
		}
	}
	init := append(append([]string{}, img.Entrypoint...), img.Cmd...)
	if len(init) > 0 && init[0] != "/sbin/init" {
		quoted := make([]string, len(init))
		for i, arg := range init {
			quoted[i] = perlShellQuote(arg)
		}
		cfg["entrypoint"] = strings.Join(quoted, " ")
		cfg["cmode"] = "console"
		for key, value := range cfg {
			if netKeyRe.MatchString(key) && propertyValue(value, "host-managed") == "" {
				cfg[key] = setProperty(value, "host-managed", "1")
			}
		}
	}
	if img.User != "" {
		// resolve_oci_user reads the image's passwd and group files; the
		// simulator takes numeric ids as they are and root for names.
		user, group, _ := strings.Cut(img.User, ":")
		lxc = append(lxc, [2]string{"lxc.init.uid", numericOr(user, "0")})
		if group != "" {
			lxc = append(lxc, [2]string{"lxc.init.gid", numericOr(group, "0")})
		}
	}
	if img.WorkingDir != "" {
		lxc = append(lxc, [2]string{"lxc.init.cwd", img.WorkingDir})
	}
	if len(img.Env) > 0 {
		cfg["env"] = strings.Join(img.Env, "\x00")
	}
	signal := img.StopSignal
	if signal == "" {
		signal = "SIGTERM"
	}
	lxc = append(lxc, [2]string{"lxc.signal.halt", signal})
	return lxc, nil
}

var netKeyRe = regexp.MustCompile(`^net\d+$`)

func numericOr(s, fallback string) string {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return s
	}
	return fallback
}

// perlShellQuote is String::ShellQuote's shell_quote, which PVE::Cmd::to_string
// applies to each argument.
func perlShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !regexp.MustCompile(`[^\w!%+,\-./:=@^]`).MatchString(s) {
		return s
	}
	q := "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	q = strings.TrimPrefix(q, "''")
	return strings.TrimSuffix(q, "''")
}

// applyOCITemplate gives a container created from an OCI image volume what
// restore_oci_archive gives it on PVE 9: the image's init, environment and
// lxc.init lines. Other templates, and PVE 8.4 (which has no OCI support),
// leave the guest as it is.
func (s *Simulator) applyOCITemplate(tmpl *volume, g *guest) *apiError {
	if tmpl.OCI == nil || s.release == release84 {
		return nil
	}
	lxc, err := applyOCIConfig(tmpl.OCI, g.Config)
	if err != nil {
		return fail("unable to create CT %d - %s", g.VMID, err)
	}
	g.Lxc = append(g.Lxc, lxc...)
	return nil
}
