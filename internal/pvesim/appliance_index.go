package pvesim

import (
	"strings"
	"time"
)

// officialTemplateBase is where the system section of Proxmox's appliance
// index lives: a record's relative Location is joined to the source URL
// (pve-manager PVE/APLInfo.pm, read_aplinfo_from_fh).
const (
	aplSource           = "http://download.proxmox.com/images"
	officialTemplateURL = aplSource + "/system/"
	aplMaintainer       = "Proxmox Support Team <support@proxmox.com>"
	aplInfopage         = "https://pve.proxmox.com/wiki/Linux_Container#pct_supported_distributions"
)

// appliance is one record of the system section of an appliance index, with
// the identity files the real template archive carries: what PVE's setup
// code reads to tell the distribution and its version.
type appliance struct {
	template    string // file name: <package>_<version>_amd64.<ext>
	pkg         string
	version     string
	os          string
	headline    string
	description string
	size        int64
	userland    *userland
}

// userland is a template's identity: its etc/os-release and the files
// beside it that PVE's LXC setup plugins read (etc/debian_version,
// etc/lsb-release, etc/alpine-release, etc/redhat-release).
type userland struct {
	osRelease string
	files     map[string]string // path inside the root -> content
	// onlyOSRelease marks a template known by its os-release alone (one
	// downloaded from elsewhere): its other files are not on record.
	onlyOSRelease bool
}

// The two releases read different index files: pve-manager's stable-8
// branch downloads aplinfo-pve-8.dat, master (PVE 9) aplinfo-pve-9.dat
// (PVE/APLInfo.pm get_apl_sources; commit "aplinfo: switch download url over
// to PVE 9 index"). The names below are those that the two indexes listed in
// 2025, as `pveam available --section system` printed them on real hosts:
// Debian 13 appears only in the PVE 9 index, which also carries the Debian
// 12.12 rebuild, while the PVE 8 index still lists Debian 11 and 12.7.
var (
	appliancesPVE8 = []appliance{
		alpineAppliance("3.21", "20241217", "3.21.0", 3*mib),
		alpineAppliance("3.22", "20250617", "3.22.0", 3*mib),
		debianAppliance(11, "11.7-1", "11.7", 123*mib),
		debianAppliance(12, "12.7-1", "12.7", 126*mib),
		ubuntuAppliance("22.04", "22.04-1", 129*mib),
		ubuntuAppliance("24.04", "24.04-2", 141*mib),
		ubuntuAppliance("25.04", "25.04-1.1", 142*mib),
		rockyAppliance(95 * mib),
	}
	appliancesPVE9 = []appliance{
		alpineAppliance("3.21", "20241217", "3.21.0", 3*mib),
		alpineAppliance("3.22", "20250617", "3.22.0", 3*mib),
		debianAppliance(12, "12.12-1", "12.12", 127*mib),
		debianAppliance(13, "13.1-2", "13.1", 130*mib),
		ubuntuAppliance("22.04", "22.04-1", 129*mib),
		ubuntuAppliance("24.04", "24.04-2", 141*mib),
		ubuntuAppliance("25.04", "25.04-1.1", 142*mib),
		rockyAppliance(95 * mib),
	}
)

// appliancesFor is the system section of the index a release downloads.
func appliancesFor(release string) []appliance {
	if release == release91 {
		return appliancesPVE9
	}
	return appliancesPVE8
}

// appliance finds a template of the current release's index by file name.
func (s *Simulator) appliance(name string) (appliance, bool) {
	for _, a := range appliancesFor(s.release) {
		if a.template == name {
			return a, true
		}
	}
	return appliance{}, false
}

// officialTemplate maps a URL of the official index
// (http://download.proxmox.com/images/system/<name>) to the entry of the
// current release's index, so that downloads of it can be served from the
// simulator's own template set on machines without internet. The entry of
// the current release's index comes first.
func officialTemplate(s *Simulator, url string) (appliance, bool) {
	name, ok := strings.CutPrefix(url, officialTemplateURL)
	if !ok {
		// The index is also reachable over HTTPS.
		name, ok = strings.CutPrefix(url, "https://download.proxmox.com/images/system/")
	}
	if !ok || name == "" || strings.Contains(name, "/") {
		return appliance{}, false
	}
	if a, ok := s.appliance(name); ok {
		return a, true
	}
	// The server holds the files of both indexes: a PVE 8 host can fetch a
	// template that only the PVE 9 index lists, and the other way round.
	for _, list := range [][]appliance{appliancesPVE8, appliancesPVE9} {
		for _, a := range list {
			if a.template == name {
				return a, true
			}
		}
	}
	return appliance{}, false
}

// templateVolume is the volume a storage holds once a template of the index
// has been downloaded to it: the archive with its os-release, which is what
// later decides the ostype and the userland of containers made from it.
func templateVolume(storageID string, a appliance) *volume {
	volid := storageID + ":vztmpl/" + a.template
	v := &volume{
		VolID: volid, Content: "vztmpl", Format: templateFormat(a.template),
		Size: a.size, CTime: time.Now().Unix(),
	}
	if a.userland != nil {
		v.OSRelease = a.userland.osRelease
	}
	return v
}

// location is the URL the index gives for the template.
func (a appliance) location() string { return officialTemplateURL + a.template }

//nolint:unparam // size is per-row table data, as for debianAppliance and ubuntuAppliance; both Alpine rows are 3 MiB today
func alpineAppliance(branch, build, point string, size int64) appliance {
	pkg := "alpine-" + branch + "-default"
	return appliance{
		template: pkg + "_" + build + "_amd64.tar.xz", pkg: pkg, version: build, os: "alpine",
		headline: "Alpine Linux " + branch, description: "A small Alpine Linux system.",
		size: size, userland: alpineUserland(branch, point),
	}
}

func debianAppliance(major int, version, point string, size int64) appliance {
	codename := map[int]string{11: "bullseye", 12: "bookworm", 13: "trixie"}[major]
	pkg := "debian-" + itoa(major) + "-standard"
	title := strings.ToUpper(codename[:1]) + codename[1:]
	return appliance{
		template: pkg + "_" + version + "_amd64.tar.zst", pkg: pkg, version: version, os: "debian-" + itoa(major),
		headline:    "Debian " + itoa(major) + " " + title + " (standard)",
		description: "A small Debian " + title + " system including all standard packages.",
		size:        size, userland: debianUserland(major, codename, point),
	}
}

func ubuntuAppliance(series, version string, size int64) appliance {
	codename, animal := ubuntuCodename(series)
	pkg := "ubuntu-" + series + "-standard"
	title := strings.ToUpper(codename[:1]) + codename[1:]
	return appliance{
		template: pkg + "_" + version + "_amd64.tar.zst", pkg: pkg, version: version, os: "ubuntu-" + series,
		headline:    "Ubuntu " + series + " " + title + " (standard)",
		description: "A small Ubuntu " + series + " " + title + " " + animal + " system including all standard packages.",
		size:        size, userland: ubuntuUserland(series),
	}
}

func rockyAppliance(size int64) appliance {
	return appliance{
		template: "rockylinux-9-default_20240912_amd64.tar.xz", pkg: "rockylinux-9-default", version: "20240912",
		os: "rockylinux-9", headline: "Rocky Linux 9", description: "A small Rocky Linux 9 system.",
		size: size, userland: rockyUserland(),
	}
}
