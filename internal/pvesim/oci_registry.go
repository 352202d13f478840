package pvesim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// registryImage is one image of the simulator's stand-in for container
// registries. These machines have no internet, so PVE 9.1's
// oci-registry-pull (which runs skopeo against the real registry) is served
// from this small set of well-known images; any other reference fails as
// skopeo fails without a network.
type registryImage struct {
	entrypoint []string
	cmd        []string
	env        []string
	stopSignal string
	userland   *userland // the base distribution's identity files
}

// imagePath is the PATH every official Docker library image here sets.
const imagePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// registryImages are keyed by the fully normalized reference, as
// containers/image's docker transport resolves a short one
// ("alpine:3.22" is docker.io/library/alpine:3.22). Their image configs are
// those the library images carried in late 2025, their os-release the
// point release they were built from.
var registryImages = map[string]registryImage{
	"docker.io/library/alpine:3.22": {cmd: []string{"/bin/sh"}, env: []string{imagePath}, userland: alpineUserland("3.22", "3.22.2")},
	"docker.io/library/alpine:3.21": {cmd: []string{"/bin/sh"}, env: []string{imagePath}, userland: alpineUserland("3.21", "3.21.5")},
	"docker.io/library/nginx:1.27-alpine": {
		entrypoint: []string{"/docker-entrypoint.sh"},
		cmd:        []string{"nginx", "-g", "daemon off;"},
		env:        []string{imagePath, "NGINX_VERSION=1.27.5", "PKG_RELEASE=1", "DYNPKG_RELEASE=1", "NJS_VERSION=0.8.10", "NJS_RELEASE=1"},
		stopSignal: "SIGQUIT",
		userland:   alpineUserland("3.21", "3.21.3"),
	},
	"docker.io/library/debian:13":     {cmd: []string{"bash"}, env: []string{imagePath}, userland: debianUserland(13, "trixie", "13.2")},
	"docker.io/library/debian:trixie": {cmd: []string{"bash"}, env: []string{imagePath}, userland: debianUserland(13, "trixie", "13.2")},
	"docker.io/library/debian:12":     {cmd: []string{"bash"}, env: []string{imagePath}, userland: debianUserland(12, "bookworm", "12.12")},
	"docker.io/library/ubuntu:24.04":  {cmd: []string{"/bin/bash"}, env: []string{imagePath}, userland: ubuntuUserland("24.04")},
}

// normalizeImageReference resolves a reference as the docker transport does
// (distribution/reference ParseNormalizedNamed): without a registry host
// (a first component with a '.' or ':', or localhost) it is on docker.io,
// where a single-component name is under library/.
func normalizeImageReference(ref string) string {
	domain, rest, found := strings.Cut(ref, "/")
	if !found || (!strings.ContainsAny(domain, ".:") && domain != "localhost") {
		domain, rest = "docker.io", ref
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	return domain + "/" + rest
}

// familiarImageName is reference.FamiliarString: how skopeo names the image
// in its messages (docker.io/library/ left out).
func familiarImageName(normalized string) string {
	name := strings.TrimPrefix(normalized, "docker.io/")
	if name != normalized {
		name = strings.TrimPrefix(name, "library/")
	}
	return name
}

// registryHost is the host skopeo contacts for a normalized reference;
// Docker Hub's API lives on registry-1.docker.io.
func registryHost(normalized string) string {
	host, _, _ := strings.Cut(normalized, "/")
	if host == "docker.io" {
		return "registry-1.docker.io"
	}
	return host
}

// skopeoOfflineError is the line skopeo (logrus, not on a terminal) prints
// when the registry's name does not resolve: containers/image's copy.Image
// "initializing source" around the docker client's "pinging container
// registry", around Go's HTTP error.
func skopeoOfflineError(normalized string, now time.Time) string {
	host := registryHost(normalized)
	msg := "initializing source docker://" + familiarImageName(normalized) + ": pinging container registry " + host +
		`: Get \"https://` + host + `/v2/\": dial tcp: lookup ` + host + ": no such host"
	return `time="` + now.Format(time.RFC3339) + `" level=fatal msg="` + msg + `"`
}

// ociBlob is one content-addressed blob of an OCI layout.
type ociBlob struct {
	digest string
	data   []byte
}

func newOCIBlob(data []byte) ociBlob {
	sum := sha256.Sum256(data)
	return ociBlob{digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

// archive builds the image as `skopeo copy docker://... oci-archive:FILE`
// writes it: oci-layout, index.json naming the manifest, and the manifest,
// config and one gzipped layer (holding the distribution's identity files)
// under blobs/sha256. The bytes are the same on every call, so digests are
// stable. It returns the archive with the layer and config blobs, whose
// digests skopeo reports while copying.
func (img registryImage) archive() (raw []byte, layer, config ociBlob) {
	var layerBuf bytes.Buffer
	zw := gzip.NewWriter(&layerBuf)
	lw := tar.NewWriter(zw)
	mtime := time.Date(2025, 10, 8, 0, 0, 0, 0, time.UTC)
	files := map[string]string{"/etc/os-release": img.userland.osRelease}
	for name, content := range img.userland.files {
		files[name] = content
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	_ = lw.WriteHeader(&tar.Header{Name: "etc/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: mtime})
	for _, name := range names {
		body := files[name]
		_ = lw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: mtime})
		_, _ = lw.Write([]byte(body))
	}
	_ = lw.Close()
	_ = zw.Close()
	layer = newOCIBlob(layerBuf.Bytes())

	type imageConfig struct {
		Entrypoint []string `json:"Entrypoint,omitempty"`
		Cmd        []string `json:"Cmd,omitempty"`
		Env        []string `json:"Env,omitempty"`
		StopSignal string   `json:"StopSignal,omitempty"`
	}
	type rootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	}
	diffID := sha256.Sum256(tarOf(layer.data))
	cfgRaw, _ := json.Marshal(struct {
		Architecture string      `json:"architecture"`
		OS           string      `json:"os"`
		Config       imageConfig `json:"config"`
		RootFS       rootFS      `json:"rootfs"`
	}{"amd64", "linux", imageConfig{img.entrypoint, img.cmd, img.env, img.stopSignal},
		rootFS{"layers", []string{"sha256:" + hex.EncodeToString(diffID[:])}}})
	config = newOCIBlob(cfgRaw)

	type descriptor struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	manRaw, _ := json.Marshal(struct {
		SchemaVersion int          `json:"schemaVersion"`
		MediaType     string       `json:"mediaType"`
		Config        descriptor   `json:"config"`
		Layers        []descriptor `json:"layers"`
	}{2, "application/vnd.oci.image.manifest.v1+json",
		descriptor{"application/vnd.oci.image.config.v1+json", config.digest, len(config.data)},
		[]descriptor{{"application/vnd.oci.image.layer.v1.tar+gzip", layer.digest, len(layer.data)}}})
	manifest := newOCIBlob(manRaw)
	indexRaw, _ := json.Marshal(struct {
		SchemaVersion int          `json:"schemaVersion"`
		Manifests     []descriptor `json:"manifests"`
	}{2, []descriptor{{"application/vnd.oci.image.manifest.v1+json", manifest.digest, len(manifest.data)}}})

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	add := func(name string, data []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: mtime})
		_, _ = tw.Write(data)
	}
	add("oci-layout", []byte(`{"imageLayoutVersion": "1.0.0"}`))
	add("index.json", indexRaw)
	for _, b := range []ociBlob{layer, config, manifest} {
		add("blobs/sha256/"+strings.TrimPrefix(b.digest, "sha256:"), b.data)
	}
	_ = tw.Close()
	return out.Bytes(), layer, config
}

// tarOf is the uncompressed tar of a gzipped layer: its digest is the
// layer's diff_id.
func tarOf(gz []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(zr)
	return b.Bytes()
}
