package pvesim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// lxcPveFixed is the first lxc-pve whose AppArmor profile and procfs
// handling let a runc with the CVE-2025-52881 fix open sysctls in an
// unprivileged container. Older hosts fail every container start of such
// a runc (Proxmox forum and bugzilla, November 2025; fixed in 6.0.5-2).
const lxcPveFixed = "6.0.5-2"

// runcSysctlError is runc's own failure on such a host: its fix reopens the
// sysctl file through /proc/thread-self/fd, which the old profile denies.
const runcSysctlError = "open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied"

// lxcPveVersion is the nodes' installed lxc-pve.
func (s *Simulator) lxcPveVersion() string {
	if s.opts.LXCPveVersion != "" {
		return s.opts.LXCPveVersion
	}
	return lxcPveFixed
}

// runcStartFailure is the error dockerd returns for a container start in
// guest g, or "" when it starts: it fails in an unprivileged container on a
// node whose lxc-pve predates lxcPveFixed when the container's runc has the
// CVE-2025-52881 fix (upstream 1.2.8, 1.3.3, 1.4.0).
func (s *Simulator) runcStartFailure(g *guest) string {
	if g.Config["unprivileged"] != "1" || compareDebianVersions(s.lxcPveVersion(), lxcPveFixed) >= 0 {
		return ""
	}
	if v := installedVersion(g, "runc"); v == "" || !runcHasCVE202552881Fix(v) {
		return ""
	}
	return "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: " +
		"unable to start container process: error during container init: " + runcSysctlError + ": unknown"
}

// installedVersion reads a package's version from the container's package
// database: dpkg's status ("Package:" and "Version:") or apk's installed
// ("P:" and "V:"); "" when it is not installed.
func installedVersion(g *guest, pkg string) string {
	for _, db := range []struct{ file, name, version string }{
		{dpkgStatusFile, "Package: ", "Version: "},
		{apkInstalledFile, "P:", "V:"},
	} {
		raw, _ := g.RootFS.ReadFile(db.file)
		for _, record := range strings.Split(string(raw), "\n\n") {
			var name, version string
			for _, line := range strings.Split(record, "\n") {
				if v, ok := strings.CutPrefix(line, db.name); ok {
					name = v
				} else if v, ok := strings.CutPrefix(line, db.version); ok {
					version = v
				}
			}
			if name == pkg {
				return version
			}
		}
	}
	return ""
}

// runcHasCVE202552881Fix tells from a runc package version whether its
// upstream release carries the fix: 1.2.8+, 1.3.3+, 1.4.0+.
func runcHasCVE202552881Fix(version string) bool {
	if _, after, ok := strings.Cut(version, ":"); ok {
		version = after
	}
	var nums []int
	for _, part := range strings.SplitN(version, ".", 3) {
		end := strings.IndexFunc(part, func(r rune) bool { return !unicode.IsDigit(r) })
		if end == 0 {
			break
		}
		if end > 0 {
			part = part[:end]
		}
		n, _ := strconv.Atoi(part)
		nums = append(nums, n)
		if end > 0 {
			break
		}
	}
	for len(nums) < 3 {
		nums = append(nums, 0)
	}
	switch {
	case nums[0] != 1:
		return nums[0] > 1
	case nums[1] == 2:
		return nums[2] >= 8
	case nums[1] == 3:
		return nums[2] >= 3
	}
	return nums[1] >= 4
}

// compareDebianVersions orders two Debian versions as dpkg does
// (lib/dpkg/version.c dpkg_version_compare): epoch, then upstream version
// and revision by verrevcmp.
func compareDebianVersions(a, b string) int {
	ea, ua, ra := splitDebianVersion(a)
	eb, ub, rb := splitDebianVersion(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

func splitDebianVersion(v string) (epoch int, upstream, revision string) {
	if e, rest, ok := strings.Cut(v, ":"); ok {
		epoch, _ = strconv.Atoi(e)
		v = rest
	}
	if i := strings.LastIndex(v, "-"); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// verrevcmp is dpkg's: non-digit runs compare with ~ before everything and
// letters before other characters, digit runs compare as numbers.
func verrevcmp(a, b string) int {
	order := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return 0
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			return int(c)
		case c == '~':
			return -1
		case c != 0:
			return int(c) + 256
		}
		return 0
	}
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := order(at(a, i)), order(at(b, j))
			if ac != bc {
				return sign(ac - bc)
			}
			i, j = i+1, j+1
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i, j = i+1, j+1
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if first != 0 {
			return sign(first)
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// startFailed reports a container start that dockerd refused, as compose
// does: v2 marks the container "Error" and ends with the daemon's answer;
// v1 prints "ERROR: for <container>" and "ERROR: for <service>" lines.
func (cli *composeCLI) startFailed(service, container, msg string) int {
	if cli.v1 {
		fmt.Fprintf(cli.c.Stderr, "\nERROR: for %s  Cannot start service %s: %s\n", container, service, msg)
		fmt.Fprintf(cli.c.Stderr, "\nERROR: for %s  Cannot start service %s: %s\n", service, service, msg)
		fmt.Fprintln(cli.c.Stderr, "ERROR: Encountered errors while bringing up the project.")
		return 1
	}
	fmt.Fprintf(cli.c.Stderr, " Container %s  Error response from daemon: %s\n", container, msg)
	fmt.Fprintf(cli.c.Stderr, "Error response from daemon: %s\n", msg)
	return 1
}

// pveversionProgram is pve-manager's pveversion: one line, or with -v the
// packages as /nodes/{node}/apt/versions lists them ("name: version"); the
// simulator lists the ones it models, lxc-pve among them.
func (s *Simulator) pveversionProgram() shell.Program {
	return func(c *shell.Call) int {
		rel := s.rel()
		if len(c.Args) < 2 || (c.Args[1] != "-v" && c.Args[1] != "--verbose") {
			fmt.Fprintf(c.Stdout, "%s (running kernel: %s)\n", rel.pveversion(), rel.kernelRelease)
			return 0
		}
		major, minor, _ := strings.Cut(rel.version, ".")
		minor, _, _ = strings.Cut(minor, ".")
		fmt.Fprintf(c.Stdout, "proxmox-ve: %s.%s.0 (running kernel: %s)\n", major, minor, rel.kernelRelease)
		fmt.Fprintf(c.Stdout, "pve-manager: %s (running version: %s/%s)\n", rel.version, rel.version, rel.repoID)
		fmt.Fprintf(c.Stdout, "lxc-pve: %s\n", s.lxcPveVersion())
		return 0
	}
}
