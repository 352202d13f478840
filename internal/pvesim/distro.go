package pvesim

import (
	"maps"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// A distro is the package world of one distribution release as its default
// archive offers it: what `apk add` or `apt-get install` can install without
// adding a repository, with the versions that archive has. A container's
// distro is read from its own /etc/os-release (ID and VERSION_ID), as the
// distribution's own tools would, never from the template's name.
type distro struct {
	ID        string // os-release ID: alpine, debian, ubuntu
	VersionID string // os-release VERSION_ID as the distribution writes it
	Branch    string // alpine's repository branch (v3.22) or the apt suite (bookworm)
	Packages  map[string]distroPackage
	// Docker is the engine and CLI version `docker version` prints; empty
	// while the release has no docker in its archive.
	Docker       string
	DockerBuild  string // `docker --version`'s build field
	DockerServer string // the engine's "Server:" line (Community on upstream builds)
}

// distroPackage is one installable package: its version in that release's
// archive, the files the simulator acts on, and the packages it pulls in.
type distroPackage struct {
	Version string
	Files   []string
	Depends []string
	// Recommends are installed by apt-get unless --no-install-recommends.
	Recommends []string
	// ComposeVersion is what `docker compose version` or `docker-compose
	// version` prints for a package carrying compose; ComposeV1 marks the
	// python Compose 1.x.
	ComposeVersion string
	ComposeV1      bool
	// Virtual names a package installed in its place (apk's provides).
	Virtual string
}

func (d *distro) apt() bool { return d != nil && (d.ID == "debian" || d.ID == "ubuntu") }

func (d *distro) apk() bool { return d != nil && d.ID == "alpine" }

// composeOf is the compose a program file runs in this container: the
// installed package that owns the file decides.
func (d *distro) composeOf(g *guest, file string) (distroPackage, bool) {
	if d == nil {
		return distroPackage{}, false
	}
	owns := func(p distroPackage) bool { return p.ComposeVersion != "" && slices.Contains(p.Files, file) }
	for _, name := range installedPackages(g, d) {
		p, ok := d.Packages[name]
		if !ok {
			p = dockerRepoPackages[name]
		}
		if owns(p) {
			return p, true
		}
	}
	// A tree from before the package database was kept (an older state
	// file or backup) has the file but no record: the archive's package
	// that ships it is the one.
	if _, err := g.RootFS.Stat(file); err == nil {
		for _, name := range slices.Sorted(maps.Keys(d.Packages)) {
			if p := d.Packages[name]; owns(p) {
				return p, true
			}
		}
	}
	return distroPackage{}, false
}

// distroOf reads the container's /etc/os-release. A tree without one, or a
// release the simulator has no archive for, has no package manager.
func distroOf(t *vfs.Tree) *distro {
	raw, err := t.ReadFile("/etc/os-release")
	if err != nil {
		return nil
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		fields[k] = strings.Trim(v, `"'`)
	}
	id, version := fields["ID"], fields["VERSION_ID"]
	switch id {
	case "alpine":
		// VERSION_ID is the point release (3.22.1); the archive is the branch.
		parts := strings.SplitN(version, ".", 3)
		if len(parts) >= 2 {
			if build := alpineArchives[parts[0]+"."+parts[1]]; build != nil {
				return build(version)
			}
		}
	case "debian":
		if build := debianArchives[version]; build != nil {
			return build(version)
		}
	case "ubuntu":
		if build := ubuntuArchives[version]; build != nil {
			return build(version)
		}
	}
	return nil
}

// installedPackages lists what the package manager recorded as installed.
func installedPackages(g *guest, d *distro) []string {
	var out []string
	switch {
	case d.apk():
		raw, _ := g.RootFS.ReadFile(apkInstalledFile)
		for _, line := range strings.Split(string(raw), "\n") {
			if name, ok := strings.CutPrefix(line, "P:"); ok {
				out = append(out, name)
			}
		}
	case d.apt():
		raw, _ := g.RootFS.ReadFile(dpkgStatusFile)
		for _, line := range strings.Split(string(raw), "\n") {
			if name, ok := strings.CutPrefix(line, "Package: "); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

const (
	apkWorldFile     = "/etc/apk/world"
	apkInstalledFile = "/lib/apk/db/installed"
	dpkgStatusFile   = "/var/lib/dpkg/status"
)
