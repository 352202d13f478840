package pvesim

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

func templateFormat(name string) string {
	switch {
	case strings.HasSuffix(name, ".tar.zst"):
		return "tzst"
	case strings.HasSuffix(name, ".tar.xz"):
		return "txz"
	case strings.HasSuffix(name, ".tar.gz"):
		return "tgz"
	}
	return "raw"
}

// osFamily tells what a container made from a template runs: it decides the
// package manager (apk or apt-get) and the service manager inside.
func osFamily(templateVolid string) string {
	base := templateVolid[strings.LastIndex(templateVolid, "/")+1:]
	switch {
	case strings.HasPrefix(base, "alpine"):
		return "alpine"
	case strings.HasPrefix(base, "ubuntu"):
		return "ubuntu"
	case strings.HasPrefix(base, "rockylinux"):
		return "centos"
	}
	return "debian"
}

// rootFSFromTemplate unpacks a template volume for a new container: a
// minimal tree with the template's own identity files (etc/os-release and
// the release files beside it), so that what runs inside sees the real
// distribution. A volume without an os-release (an older state file) gets
// the files of the distribution its name suggests.
func rootFSFromTemplate(v *volume, hostname string) *vfs.Tree {
	t := vfs.New()
	for _, d := range []string{"/bin", "/usr/bin", "/usr/local/bin", "/etc", "/root", "/tmp", "/var/lib", "/var/log", "/opt", "/srv", "/run"} {
		_ = t.MkdirAll(d, 0o755)
	}
	u := userlandOf(v)
	if u == nil {
		u = nameUserland(osFamily(v.VolID))
	}
	_ = t.WriteFile("/etc/os-release", []byte(u.osRelease), 0o644)
	for name, content := range u.files {
		_ = t.MkdirAll(name[:strings.LastIndex(name, "/")], 0o755) // /etc/apk/repositories
		_ = t.WriteFile(name, []byte(content), 0o644)
	}
	_ = t.WriteFile("/etc/hostname", []byte(hostname+"\n"), 0o644)
	_ = t.WriteFile("/etc/shadow", []byte(lockedShadow), 0o640)
	if parseOSRelease(u.osRelease)["ID"] == "alpine" {
		_ = t.MkdirAll("/etc/apk", 0o755)
		_ = t.WriteFile("/etc/apk/world", []byte("alpine-base\n"), 0o644)
	} else {
		_ = t.MkdirAll("/etc/apt", 0o755)
		_ = t.MkdirAll("/var/lib/dpkg", 0o755)
		_ = t.WriteFile("/var/lib/dpkg/status", []byte("Package: base-files\nStatus: install ok installed\n\n"), 0o644)
	}
	return t
}

// nameUserland is the guess for a template known only by its name: the
// distribution's current template of the PVE 8 index.
func nameUserland(family string) *userland {
	prefix := map[string]string{"alpine": "alpine-3.22", "ubuntu": "ubuntu-24.04", "centos": "rockylinux-9"}[family]
	if prefix == "" {
		prefix = "debian-12"
	}
	for _, a := range appliancesPVE8 {
		if strings.HasPrefix(a.template, prefix) {
			return a.userland
		}
	}
	return appliancesPVE8[0].userland
}

// templateOSType is the ostype PVE's setup code detects in a template; a
// template it refuses keeps the ostype its files point to (templateSetup
// says why it is refused).
func templateOSType(v *volume) string {
	if v.OSRelease == "" && userlandOf(v) == nil {
		return osFamily(v.VolID)
	}
	if ostype, _ := templateSetup(v); ostype != "" {
		return ostype
	}
	return osFamily(v.VolID)
}

// templateSetup runs what pve-container's PVE::LXC::Setup->new does with a
// freshly unpacked template (src/PVE/LXC/Setup.pm $autodetect_type, then the
// plugin's new in Setup/*.pm): the ostype, or the error that fails the
// vzcreate task ("unable to create CT <vmid> - <error>").
func templateSetup(v *volume) (string, error) {
	u := userlandOf(v)
	if u == nil && v.OCI != nil {
		// An OCI image without os-release (a distroless one): Setup.pm's
		// autodetection falls back to 'unmanaged'.
		return "unmanaged", nil
	}
	if u == nil {
		return osFamily(v.VolID), nil
	}
	ostype, err := detectOSType(u)
	if err != nil || u.onlyOSRelease {
		// Without the template's release files on record the version
		// checks cannot run; the os-release ID alone decides.
		return ostype, err
	}
	return ostype, checkOSVersion(ostype, u)
}

// setupPlugins are the ostypes pve-container has a setup plugin for, and
// setupAliases the os-release IDs it maps onto one of them.
var (
	setupPlugins = map[string]bool{
		"alpine": true, "archlinux": true, "centos": true, "debian": true, "devuan": true, "fedora": true,
		"gentoo": true, "openeuler": true, "opensuse": true, "ubuntu": true, "nixos": true, "unmanaged": true,
	}
	setupAliases = map[string]string{
		"opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse", "opensuse-slowroll": "opensuse",
		"openEuler": "openeuler", "arch": "archlinux", "sles": "opensuse", "rocky": "centos", "almalinux": "centos",
	}
)

// detectOSType is $autodetect_type: the os-release ID when it names a
// plugin, else the distribution's marker files.
func detectOSType(u *userland) (string, error) {
	id := parseOSRelease(u.osRelease)["ID"]
	if setupPlugins[id] {
		return id, nil
	}
	if alias := setupAliases[id]; alias != "" {
		return alias, nil
	}
	has := func(name string) bool { _, ok := u.files[name]; return ok }
	switch {
	case regexp.MustCompile(`(?im)^DISTRIB_ID=Ubuntu$`).MatchString(u.files["/etc/lsb-release"]):
		return "ubuntu", nil
	case has("/etc/debian_version"):
		return "debian", nil
	case has("/etc/devuan_version"):
		return "devuan", nil
	case has("/etc/SuSE-brand"), has("/etc/SuSE-release"):
		return "opensuse", nil
	case has("/etc/fedora-release"):
		return "fedora", nil
	case has("/etc/centos-release"), has("/etc/redhat-release"):
		return "centos", nil
	case has("/etc/arch-release"):
		return "archlinux", nil
	case has("/etc/alpine-release"):
		return "alpine", nil
	case has("/etc/gentoo-release"):
		return "gentoo", nil
	case has("/etc/openEuler-release"):
		return "openeuler", nil
	case u.osRelease != "":
		return "", fmt.Errorf("unable to detect OS distribution")
	}
	return "unmanaged", nil
}

// debianTestingVersions is Setup/Debian.pm's map of testing names.
var debianTestingVersions = map[string]string{
	"stretch/sid": "9.1", "buster/sid": "10", "bullseye/sid": "11", "bookworm/sid": "12",
	"trixie/sid": "13", "forky/sid": "14", "duke/sid": "15", "kali-rolling": "12",
}

var (
	debianVersionRe = regexp.MustCompile(`^(\d+)(\.\d+)?`)
	ubuntuReleaseRe = regexp.MustCompile(`(?im)^DISTRIB_RELEASE=(\d+\.\d+)$`)
	centosVersionRe = regexp.MustCompile(`release\s+(\d+)`)
)

// checkOSVersion is the version check of the plugin's new: the hard limits
// die, the soft ones only warn (which the simulator does not model).
func checkOSVersion(ostype string, u *userland) error {
	firstLine := func(name string) (string, bool) {
		content, ok := u.files[name]
		line, _, _ := strings.Cut(content, "\n")
		return line, ok
	}
	switch ostype {
	case "debian":
		// Setup/Debian.pm new: DEBIAN_MINIMUM_RELEASE 4 is a hard limit.
		version, ok := firstLine("/etc/debian_version")
		if !ok {
			return fmt.Errorf("unable to read version info")
		}
		if mapped, ok := debianTestingVersions[version]; ok {
			version = mapped
		}
		m := debianVersionRe.FindStringSubmatch(version)
		if m == nil {
			return fmt.Errorf("unable to parse version info '%s'", version)
		}
		if major := atoiDefault(m[1], 0); major < 4 {
			return fmt.Errorf("Container Debian version '%d' is too old", major)
		}
	case "ubuntu":
		// Setup/Ubuntu.pm new: the series comes from etc/lsb-release; those
		// before 17.04 lack a cgroup v2 ready systemd.
		lsb := u.files["/etc/lsb-release"]
		if !regexp.MustCompile(`(?im)^DISTRIB_ID=Ubuntu$`).MatchString(lsb) {
			return fmt.Errorf("got unknown DISTRIB_ID")
		}
		m := ubuntuReleaseRe.FindStringSubmatch(lsb)
		if m == nil {
			return fmt.Errorf("unable to read version info")
		}
		major, _, _ := strings.Cut(m[1], ".")
		if atoiDefault(major, 0) < 17 && !ubuntuKnownOld[m[1]] {
			return fmt.Errorf("unsupported ancient Ubuntu version '%s'", m[1])
		}
	case "centos":
		// Setup/CentOS.pm new: releases 5 to 10.
		release, ok := firstLine("/etc/redhat-release")
		if !ok {
			return fmt.Errorf("unable to read version info")
		}
		m := centosVersionRe.FindStringSubmatch(release)
		if m == nil {
			return fmt.Errorf("unable to parse centos version '%s'", release)
		}
		if v := atoiDefault(m[1], 0); v < 5 || v >= 11 {
			return fmt.Errorf("unsupported centos version '%s'", centosVersion(release))
		}
	}
	return nil
}

// ubuntuKnownOld are the series before 17.04 still in Setup/Ubuntu.pm's
// known list, which it accepts.
var ubuntuKnownOld = map[string]bool{"16.10": true, "16.04": true, "15.10": true, "15.04": true, "14.04": true, "12.04": true}

// centosVersion is get_centos_version: "9.4" from "release 9.4 (Blue Onyx)".
func centosVersion(release string) string {
	if m := regexp.MustCompile(`release\s+(\d+\.\d+)(\.\d+)?`).FindStringSubmatch(release); m != nil {
		return m[1]
	}
	return centosVersionRe.FindStringSubmatch(release)[1]
}

// parseOSRelease reads os-release assignments as Setup.pm's
// $parse_os_release does: single or double quoted, or a bare word.
func parseOSRelease(text string) map[string]string {
	out := map[string]string{}
	line := regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$`)
	for _, l := range strings.Split(text, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		value := m[2]
		switch {
		case strings.HasPrefix(value, "'"):
			value, _, _ = strings.Cut(value[1:], "'")
		case strings.HasPrefix(value, `"`):
			if q := regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"`).FindStringSubmatch(value); q != nil {
				value = regexp.MustCompile(`\\(["'`+"`"+`nt$\\])`).ReplaceAllString(q[1], "$1")
			}
		default:
			value = regexp.MustCompile(`^[A-Za-z0-9]*`).FindString(value)
		}
		out[m[1]] = value
	}
	return out
}
