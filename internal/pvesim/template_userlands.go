package pvesim

import (
	"fmt"
	"strings"
)

// The identity files of the index's templates, as each distribution ships
// them in the release the template was built from (base-files on Debian and
// Ubuntu, alpine-release on Alpine, rocky-release on Rocky Linux).

func alpineUserland(branch, point string) *userland {
	return &userland{
		osRelease: "NAME=\"Alpine Linux\"\n" +
			"ID=alpine\n" +
			"VERSION_ID=" + point + "\n" +
			"PRETTY_NAME=\"Alpine Linux v" + branch + "\"\n" +
			"HOME_URL=\"https://alpinelinux.org/\"\n" +
			"BUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n",
		files: map[string]string{"/etc/alpine-release": point + "\n", "/etc/apk/repositories": alpineRepositories(branch)},
	}
}

// alpineRepositories is the template's /etc/apk/repositories: the main and
// community repositories of its branch on the CDN mirror, as lxc-templates'
// lxc-alpine writes them (MIRROR/vX.Y/main and MIRROR/vX.Y/community).
// docker and docker-cli-compose are in community (apk.go).
func alpineRepositories(branch string) string {
	mirror := "http://dl-cdn.alpinelinux.org/alpine/v" + branch
	return mirror + "/main\n" + mirror + "/community\n"
}

// debianOSRelease is Debian's etc/os-release; from trixie on base-files
// also names the point release (DEBIAN_VERSION_FULL).
func debianOSRelease(major int, codename, full string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PRETTY_NAME=\"Debian GNU/Linux %d (%s)\"\n", major, codename)
	b.WriteString("NAME=\"Debian GNU/Linux\"\n")
	fmt.Fprintf(&b, "VERSION_ID=\"%d\"\n", major)
	fmt.Fprintf(&b, "VERSION=\"%d (%s)\"\n", major, codename)
	fmt.Fprintf(&b, "VERSION_CODENAME=%s\n", codename)
	if full != "" {
		fmt.Fprintf(&b, "DEBIAN_VERSION_FULL=%s\n", full)
	}
	b.WriteString("ID=debian\n")
	b.WriteString("HOME_URL=\"https://www.debian.org/\"\n")
	b.WriteString("SUPPORT_URL=\"https://www.debian.org/support\"\n")
	b.WriteString("BUG_REPORT_URL=\"https://bugs.debian.org/\"\n")
	return b.String()
}

func debianUserland(major int, codename, point string) *userland {
	full := ""
	if major >= 13 {
		full = point
	}
	return &userland{
		osRelease: debianOSRelease(major, codename, full),
		files:     map[string]string{"/etc/debian_version": point + "\n"},
	}
}

// ubuntuRelease is what one Ubuntu series' template was built with.
type ubuntuRelease struct {
	codename, animal string
	point            string // the VERSION of os-release: "24.04.1 LTS"
	debianVersion    string // Ubuntu's etc/debian_version names the Debian it branched from
}

var ubuntuReleases = map[string]ubuntuRelease{
	"22.04": {"jammy", "Jellyfish", "22.04 LTS", "bookworm/sid"},
	"24.04": {"noble", "Numbat", "24.04.1 LTS", "trixie/sid"},
	"25.04": {"plucky", "Puffin", "25.04", "trixie/sid"},
}

func ubuntuCodename(series string) (codename, animal string) {
	r := ubuntuReleases[series]
	return r.codename, r.animal
}

func ubuntuUserland(series string) *userland {
	r := ubuntuReleases[series]
	adjective := strings.ToUpper(r.codename[:1]) + r.codename[1:]
	pretty := "Ubuntu " + r.point
	version := r.point
	if lts, ok := strings.CutSuffix(r.point, " LTS"); ok {
		version = lts + " LTS (" + adjective + " " + r.animal + ")"
	} else {
		version += " (" + adjective + " " + r.animal + ")"
	}
	osRelease := "PRETTY_NAME=\"" + pretty + "\"\n" +
		"NAME=\"Ubuntu\"\n" +
		"VERSION_ID=\"" + series + "\"\n" +
		"VERSION=\"" + version + "\"\n" +
		"VERSION_CODENAME=" + r.codename + "\n" +
		"ID=ubuntu\n" +
		"ID_LIKE=debian\n" +
		"HOME_URL=\"https://www.ubuntu.com/\"\n" +
		"SUPPORT_URL=\"https://help.ubuntu.com/\"\n" +
		"BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n" +
		"PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n" +
		"UBUNTU_CODENAME=" + r.codename + "\n"
	if series >= "24.04" {
		osRelease += "LOGO=ubuntu-logo\n"
	}
	return &userland{
		osRelease: osRelease,
		files: map[string]string{
			"/etc/debian_version": r.debianVersion + "\n",
			"/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=" + series + "\nDISTRIB_CODENAME=" + r.codename +
				"\nDISTRIB_DESCRIPTION=\"" + pretty + "\"\n",
		},
	}
}

func rockyUserland() *userland {
	return &userland{
		osRelease: "NAME=\"Rocky Linux\"\n" +
			"VERSION=\"9.4 (Blue Onyx)\"\n" +
			"ID=\"rocky\"\n" +
			"ID_LIKE=\"rhel centos fedora\"\n" +
			"VERSION_ID=\"9.4\"\n" +
			"PLATFORM_ID=\"platform:el9\"\n" +
			"PRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n" +
			"ANSI_COLOR=\"0;32\"\n" +
			"LOGO=\"fedora-logo-icon\"\n" +
			"CPE_NAME=\"cpe:/o:rocky:rocky:9::baseos\"\n" +
			"HOME_URL=\"https://rockylinux.org/\"\n" +
			"BUG_REPORT_URL=\"https://bugs.rockylinux.org/\"\n" +
			"SUPPORT_END=\"2032-05-31\"\n" +
			"ROCKY_SUPPORT_PRODUCT=\"Rocky-Linux-9\"\n" +
			"ROCKY_SUPPORT_PRODUCT_VERSION=\"9.4\"\n" +
			"REDHAT_SUPPORT_PRODUCT=\"Rocky Linux\"\n" +
			"REDHAT_SUPPORT_PRODUCT_VERSION=\"9.4\"\n",
		files: map[string]string{
			"/etc/redhat-release": "Rocky Linux release 9.4 (Blue Onyx)\n",
			"/etc/rocky-release":  "Rocky Linux release 9.4 (Blue Onyx)\n",
		},
	}
}

// userlandOf finds the identity files of a template volume: by its file
// name in either index, else by its os-release (a template downloaded under
// another name). A volume that matches neither has only its os-release.
func userlandOf(v *volume) *userland {
	base := v.VolID[strings.LastIndex(v.VolID, "/")+1:]
	for _, list := range [][]appliance{appliancesPVE8, appliancesPVE9} {
		for _, a := range list {
			if a.template == base && a.userland != nil && (v.OSRelease == "" || v.OSRelease == a.userland.osRelease) {
				return a.userland
			}
		}
	}
	for _, list := range [][]appliance{appliancesPVE9, appliancesPVE8} {
		for _, a := range list {
			if a.userland != nil && v.OSRelease != "" && v.OSRelease == a.userland.osRelease {
				return a.userland
			}
		}
	}
	if v.OSRelease == "" {
		return nil
	}
	return &userland{osRelease: v.OSRelease, onlyOSRelease: true}
}
