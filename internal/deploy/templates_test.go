package deploy

import (
	"errors"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The system section of the two appliance indexes as PVE 8.4 and 9.1 list
// them (pve-manager PVE/APLInfo.pm, aplinfo-pve-8.dat and aplinfo-pve-9.dat),
// with an app of another section that shares a base's name pattern.
var (
	index84 = appliances("system",
		"alpine-3.21-default_20241217_amd64.tar.xz", "alpine-3.22-default_20250617_amd64.tar.xz",
		"debian-11-standard_11.7-1_amd64.tar.zst", "debian-12-standard_12.7-1_amd64.tar.zst",
		"ubuntu-22.04-standard_22.04-1_amd64.tar.zst", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
		"ubuntu-25.04-standard_25.04-1.1_amd64.tar.zst", "rockylinux-9-default_20240912_amd64.tar.xz")
	index91 = appliances("system",
		"alpine-3.21-default_20241217_amd64.tar.xz", "alpine-3.22-default_20250617_amd64.tar.xz",
		"debian-12-standard_12.12-1_amd64.tar.zst", "debian-13-standard_13.1-2_amd64.tar.zst",
		"ubuntu-22.04-standard_22.04-1_amd64.tar.zst", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
		"ubuntu-25.04-standard_25.04-1.1_amd64.tar.zst", "rockylinux-9-default_20240912_amd64.tar.xz")
	turnkey = appliances("turnkeylinux", "debian-13-turnkey-wordpress_19.0-1_amd64.tar.gz")
)

func appliances(section string, names ...string) []pveclient.Appliance {
	out := make([]pveclient.Appliance, 0, len(names))
	for _, n := range names {
		out = append(out, pveclient.Appliance{Template: n, Section: section, Type: "lxc"})
	}
	return out
}

func vols(volids ...string) []pveclient.Volume {
	out := make([]pveclient.Volume, 0, len(volids))
	for _, v := range volids {
		out = append(out, pveclient.Volume{VolID: v, Content: "vztmpl"})
	}
	return out
}

func without(list []pveclient.Appliance, prefix string) []pveclient.Appliance {
	var out []pveclient.Appliance
	for _, a := range list {
		if len(a.Template) < len(prefix) || a.Template[:len(prefix)] != prefix {
			out = append(out, a)
		}
	}
	return out
}

func TestDefaultTemplateFollowsThePreferenceOrder(t *testing.T) {
	newerAlpine := appliances("system", "alpine-3.9-default_20190101_amd64.tar.xz", "alpine-3.23-default_20251203_amd64.tar.xz")
	cases := []struct {
		name    string
		present []pveclient.Volume
		index   []pveclient.Appliance
		want    string // volid when present, else the name to download
	}{
		{"fresh 8.4 index", nil, index84, "alpine-3.22-default_20250617_amd64.tar.xz"},
		{"fresh 9.1 index", nil, index91, "alpine-3.22-default_20250617_amd64.tar.xz"},
		{"a newer Alpine in the index", nil, append(index91, newerAlpine...), "alpine-3.23-default_20251203_amd64.tar.xz"},
		{"Alpine present", vols("local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"), index91,
			"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"},
		{"an older Alpine release present loses to the newest", vols("local:vztmpl/alpine-3.21-default_20241217_amd64.tar.xz"), index91,
			"alpine-3.22-default_20250617_amd64.tar.xz"},
		{"an older build of the same release present wins over a download",
			vols("local:vztmpl/alpine-3.22-default_20250101_amd64.tar.xz"), index91, "local:vztmpl/alpine-3.22-default_20250101_amd64.tar.xz"},
		{"no Alpine: Debian 13", nil, without(index91, "alpine"), "debian-13-standard_13.1-2_amd64.tar.zst"},
		{"no Alpine on 8.4: Debian 12 of its index", nil, without(index84, "alpine"), "debian-12-standard_12.7-1_amd64.tar.zst"},
		{"Debian 12 present, Debian 13 offered", vols("local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst"), without(index91, "alpine"),
			"debian-13-standard_13.1-2_amd64.tar.zst"},
		{"only Ubuntu left", nil, without(without(index91, "alpine"), "debian"), "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"},
		{"an unsupported template present is never taken", vols("local:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst",
			"local:vztmpl/alpine-3.9-default_20190101_amd64.tar.xz"), without(without(index84, "alpine"), "debian"),
			"ubuntu-24.04-standard_24.04-2_amd64.tar.zst"},
		{"a turnkey app is not a base", nil, append(turnkey, without(index91, "alpine")...), "debian-13-standard_13.1-2_amd64.tar.zst"},
		{"the newest build of a release", vols("nas:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst",
			"local:vztmpl/debian-13-standard_13.10-1_amd64.tar.zst"), nil, "local:vztmpl/debian-13-standard_13.10-1_amd64.tar.zst"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := defaultTemplate(tc.present, tc.index)
			name := got.volid
			if name == "" {
				name = got.name
			}
			if !ok || name != tc.want {
				t.Errorf("default %q (%v), want %q", name, ok, tc.want)
			}
		})
	}
	if got, ok := defaultTemplate(vols("local:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst"), turnkey); ok {
		t.Errorf("nothing supported, yet chose %+v", got)
	}
}

func TestTemplateReleaseRule(t *testing.T) {
	supported := []string{
		"alpine-3.21-default_20241217_amd64.tar.xz", "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz",
		"alpine-3.23-default_20251203_amd64.tar.xz", "debian-12-standard_12.7-1_amd64.tar.zst",
		"nas:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst", "ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
	}
	for _, name := range supported {
		if err := checkTemplateRelease(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	unsupported := map[string]string{
		"alpine-3.20-default_20240908_amd64.tar.xz":     "Alpine 3.20",
		"local:vztmpl/alpine-3.9-default_20190101.tar":  "Alpine 3.9",
		"debian-11-standard_11.7-1_amd64.tar.zst":       "Debian 11",
		"ubuntu-22.04-standard_22.04-1_amd64.tar.zst":   "Ubuntu 22.04",
		"ubuntu-25.04-standard_25.04-1.1_amd64.tar.zst": "Ubuntu 25.04",
		"rockylinux-9-default_20240912_amd64.tar.xz":    "rockylinux 9",
		"local:vztmpl/my-base.tar.zst":                  "",
		"custom.tar.gz":                                 "",
	}
	for name, release := range unsupported {
		var te *TemplateError
		err := checkTemplateRelease(name)
		if !errors.As(err, &te) || te.Release != release || te.Template != name {
			t.Errorf("%s: %v, want a TemplateError for %q", name, err, release)
			continue
		}
		if want := "supported: " + SupportedTemplates; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not list the supported releases", name, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"3.9", "3.21", -1}, {"3.22", "3.21", 1}, {"12.12-1", "12.7-1", 1}, {"24.04", "24.04", 0}, {"13.1", "13.1-2", -1}, {"20250617", "20241217", 1}} {
		if got := compareVersions(c.a, c.b); got != c.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
