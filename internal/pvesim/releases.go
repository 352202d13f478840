package pvesim

import "fmt"

// The releases the simulator answers as.
const (
	release84 = "8.4"
	release91 = "9.1"
)

// pveRelease is what a node of one release reports about itself: the
// pve-manager build, the running kernel and the Debian it runs on.
type pveRelease struct {
	release string // "8.4"
	version string // pve-manager version: /version's "version"
	repoID  string // the pve-manager build's git commit: /version's "repoid"

	kernelRelease string // uname -r
	kernelVersion string // uname -v

	debianVersion string // /etc/debian_version
	osRelease     string // /etc/os-release
}

// The builds below are real ones, as a node of each release reported them
// through GET /nodes/{node}/status: PVE 8.4 on Debian 12 bookworm with the
// 6.8 kernel, PVE 9.1 on Debian 13 trixie with the 6.17 kernel.
var (
	pve84 = pveRelease{
		release: release84, version: "8.4.1", repoID: "2a5fa54a8503f96d",
		kernelRelease: "6.8.12-9-pve",
		kernelVersion: "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)",
		debianVersion: "12.10",
		osRelease:     debianOSRelease(12, "bookworm", ""),
	}
	pve91 = pveRelease{
		release: release91, version: "9.1.2", repoID: "9d436f37a0ac4172",
		kernelRelease: "6.17.4-1-pve",
		kernelVersion: "#1 SMP PREEMPT_DYNAMIC PMX 6.17.4-1 (2025-12-03T15:42Z)",
		debianVersion: "13.2",
		osRelease:     debianOSRelease(13, "trixie", "13.2"),
	}
)

// releaseInfo is the build of a release name; unknown names are refused by
// New before any lookup.
func releaseInfo(release string) pveRelease {
	if release == release91 {
		return pve91
	}
	return pve84
}

// checkRelease tells whether the simulator can answer as a release.
func checkRelease(release string) error {
	switch release {
	case release84, release91:
		return nil
	}
	return fmt.Errorf("unsupported PVE version %q: use %s or %s", release, release84, release91)
}

// pveversion is what `pveversion` prints and /nodes/{node}/status's
// "pveversion" holds: pve-manager/VERSION/REPOID.
func (r pveRelease) pveversion() string {
	return "pve-manager/" + r.version + "/" + r.repoID
}

// kversion is /nodes/{node}/status's "kversion": uname's sysname, release and version.
func (r pveRelease) kversion() string {
	return "Linux " + r.kernelRelease + " " + r.kernelVersion
}

// rel is the release the simulator answers as.
func (s *Simulator) rel() pveRelease { return releaseInfo(s.release) }
