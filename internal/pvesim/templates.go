package pvesim

import (
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// appliance is one entry of the appliance index (pveam available).
type appliance struct {
	template, pkg, version, os, headline string
	size                                 int64
}

// applianceIndex is a short copy of the system section of PVE's appliance index.
var applianceIndex = []appliance{
	{"alpine-3.21-default_20241217_amd64.tar.xz", "alpine-3.21-default", "3.21-0", "alpine", "Alpine Linux 3.21", 3 * mib},
	{"alpine-3.22-default_20250617_amd64.tar.xz", "alpine-3.22-default", "3.22-0", "alpine", "Alpine Linux 3.22", 3 * mib},
	{"debian-11-standard_11.7-1_amd64.tar.zst", "debian-11-standard", "11.7-1", "debian-11", "Debian 11 Bullseye (standard)", 123 * mib},
	{"debian-12-standard_12.7-1_amd64.tar.zst", "debian-12-standard", "12.7-1", "debian-12", "Debian 12 Bookworm (standard)", 126 * mib},
	{"ubuntu-22.04-standard_22.04-1_amd64.tar.zst", "ubuntu-22.04-standard", "22.04-1", "ubuntu-22.04", "Ubuntu 22.04 Jammy (standard)", 129 * mib},
	{"ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "ubuntu-24.04-standard", "24.04-2", "ubuntu-24.04", "Ubuntu 24.04 Noble (standard)", 141 * mib},
	{"rockylinux-9-default_20240912_amd64.tar.xz", "rockylinux-9-default", "20240912", "rockylinux-9", "Rocky Linux 9", 95 * mib},
}

func aplinfoByName(name string) appliance {
	for _, a := range applianceIndex {
		if a.template == name {
			return a
		}
	}
	return appliance{template: name, size: 100 * mib}
}

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

// newRootFS unpacks a template: a minimal tree with the distribution's files.
func newRootFS(family, hostname string) *vfs.Tree {
	t := vfs.New()
	for _, d := range []string{"/bin", "/usr/bin", "/usr/local/bin", "/etc", "/root", "/tmp", "/var/lib", "/var/log", "/opt", "/srv", "/run"} {
		_ = t.MkdirAll(d, 0o755)
	}
	osRelease := map[string]string{
		"alpine": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.0\nPRETTY_NAME=\"Alpine Linux v3.22\"\n",
		"ubuntu": "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n",
		"centos": "NAME=\"Rocky Linux\"\nVERSION_ID=\"9.4\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
		"debian": "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
	}[family]
	_ = t.WriteFile("/etc/os-release", []byte(osRelease), 0o644)
	_ = t.WriteFile("/etc/hostname", []byte(hostname+"\n"), 0o644)
	_ = t.WriteFile("/etc/shadow", []byte(lockedShadow), 0o640)
	if family == "alpine" {
		_ = t.MkdirAll("/etc/apk", 0o755)
		_ = t.WriteFile("/etc/apk/world", []byte("alpine-base\n"), 0o644)
	} else {
		_ = t.MkdirAll("/etc/apt", 0o755)
		_ = t.MkdirAll("/var/lib/dpkg", 0o755)
		_ = t.WriteFile("/var/lib/dpkg/status", []byte("Package: base-files\nStatus: install ok installed\n\n"), 0o644)
	}
	return t
}

// templateOSType is the ostype PVE's setup code detects in a template.
func templateOSType(v *volume) string { return osFamily(v.VolID) }

// rootFSFromTemplate unpacks a template volume for a new container.
func rootFSFromTemplate(v *volume, hostname string) *vfs.Tree {
	return newRootFS(osFamily(v.VolID), hostname)
}
