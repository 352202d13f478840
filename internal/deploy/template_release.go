package deploy

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// SupportedTemplates names the releases the provider deploys to, in the
// order the default template prefers them (templateRelease.preference).
const SupportedTemplates = "Alpine 3.21 or later, Debian 13, Debian 12, Ubuntu 24.04"

// templateRelease is the distribution and release of a template, read from
// its file name the way Proxmox names the templates of its index:
// <distro>-<release>-<flavour>_<build>_<arch>.tar.<ext>, as in
// alpine-3.22-default_20250617_amd64.tar.xz or
// debian-12-standard_12.12-1_amd64.tar.zst.
type templateRelease struct {
	distro  string // alpine, debian, ubuntu, rockylinux...
	release string // 3.22, 12, 24.04
	build   string // 20250617, 12.12-1
}

// parseTemplateRelease reads the release of a template from a volid
// (local:vztmpl/<name>) or a file name; ok is false for a name that does
// not follow the index's pattern.
func parseTemplateRelease(template string) (templateRelease, bool) {
	name := template[strings.LastIndex(template, "/")+1:]
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	pkg, rest, _ := strings.Cut(name, "_")
	build, _, _ := strings.Cut(rest, "_")
	parts := strings.SplitN(pkg, "-", 3)
	if len(parts) < 2 || parts[0] == "" || !startsWithDigit(parts[1]) {
		return templateRelease{}, false
	}
	return templateRelease{distro: parts[0], release: parts[1], build: build}, true
}

func startsWithDigit(s string) bool { return s != "" && unicode.IsDigit(rune(s[0])) }

// String is the release as people name it: "Debian 12", "Alpine 3.22".
func (r templateRelease) String() string {
	names := map[string]string{"alpine": "Alpine", "debian": "Debian", "ubuntu": "Ubuntu"}
	return cmp.Or(names[r.distro], r.distro) + " " + r.release
}

// preference ranks a supported release for the default template, lower
// first; -1 is a release the provider does not support. Alpine comes first:
// its template is 3 MiB against some 130 for the others, so the first app on
// a node downloads and creates in seconds, and its community repository
// packages Docker with Compose v2 (docker-cli-compose). Debian 13 comes
// next: its own docker-compose package is Compose v2. Then Debian 12 and
// Ubuntu 24.04, whose docker-compose package is Compose v1 (1.29.2); Debian
// 12 first, as the smaller template and the base of PVE 8 itself.
func (r templateRelease) preference() int {
	switch {
	case r.distro == "alpine" && compareVersions(r.release, "3.21") >= 0:
		return 0
	case r.distro == "debian" && r.release == "13":
		return 1
	case r.distro == "debian" && r.release == "12":
		return 2
	case r.distro == "ubuntu" && r.release == "24.04":
		return 3
	}
	return -1
}

// TemplateError is a template the provider does not deploy to: a release
// it does not support, or a name that tells no release.
type TemplateError struct {
	Template string
	Release  string // empty when the name tells none
}

func (e *TemplateError) Error() string {
	if e.Release == "" {
		return fmt.Sprintf("template %s does not name its release the way Proxmox's index does "+
			"(<distro>-<release>-<flavour>_<build>_<arch>.tar.<ext>), so the provider cannot tell whether it supports it; "+
			"supported: %s. Name a template of `pveam available --section system`, or give the file such a name", e.Template, SupportedTemplates)
	}
	return fmt.Sprintf("template %s is %s, which the provider does not support; supported: %s "+
		"(see `pveam available --section system`)", e.Template, e.Release, SupportedTemplates)
}

// checkTemplateRelease is the one rule on a template the configuration
// names, at plan time (CheckTemplate) and at apply (ensureTemplate).
func checkTemplateRelease(template string) error {
	rel, ok := parseTemplateRelease(template)
	if !ok {
		return &TemplateError{Template: template}
	}
	if rel.preference() < 0 {
		return &TemplateError{Template: template, Release: rel.String()}
	}
	return nil
}

// compareVersions compares dotted and dashed versions part by part,
// numbers as numbers: 3.9 < 3.21, 12.7-1 < 12.12-1.
func compareVersions(a, b string) int {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' || r == '~' || r == '+' })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < min(len(pa), len(pb)); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		c := strings.Compare(pa[i], pb[i])
		if ea == nil && eb == nil {
			c = cmp.Compare(na, nb)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}
