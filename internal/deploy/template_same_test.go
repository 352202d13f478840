package deploy

import (
	"strings"
	"testing"
)

// TestSameTemplate: a file name and the volid of that file are one template;
// two storages' copies, or two builds, are not.
func TestSameTemplate(t *testing.T) {
	const name = "debian-12-standard_12.12-1_amd64.tar.zst"
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{name, "local:vztmpl/" + name, true},
		{"local:vztmpl/" + name, name, true},
		{"local:vztmpl/" + name, "local:vztmpl/" + name, true},
		{"local:vztmpl/" + name, "nfs:vztmpl/" + name, false},
		{"debian-12-standard_12.7-1_amd64.tar.zst", "local:vztmpl/" + name, false},
		{"debian-12-standard", "local:vztmpl/" + name, false},
	} {
		if got := SameTemplate(tc.a, tc.b); got != tc.want {
			t.Errorf("SameTemplate(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDidYouMean: a short name is answered with the supported templates
// closest to it, newest build first, never an unsupported release.
func TestDidYouMean(t *testing.T) {
	offered := []string{
		"debian-11-standard_11.7-1_amd64.tar.zst",
		"debian-12-standard_12.7-1_amd64.tar.zst",
		"debian-12-standard_12.12-1_amd64.tar.zst",
		"debian-13-standard_13.1-2_amd64.tar.zst",
		"alpine-3.22-default_20250617_amd64.tar.xz",
	}
	got := didYouMean("debian-12-standard", offered)
	want := "; closest: debian-12-standard_12.12-1_amd64.tar.zst, debian-12-standard_12.7-1_amd64.tar.zst"
	if got != want {
		t.Errorf("didYouMean(debian-12-standard) = %q, want %q", got, want)
	}
	if got := didYouMean("debian-11", offered); strings.Contains(got, "debian-11") {
		t.Errorf("didYouMean(debian-11) suggests an unsupported release: %q", got)
	}
	if got := didYouMean("zzz", offered); got != "" {
		t.Errorf("didYouMean(zzz) = %q, want none", got)
	}
}

// TestSameDescription: trailing newlines never reach PVE (write_pct_config
// splits the description with Perl's split, which drops trailing empty
// fields); leading and inner ones do.
func TestSameDescription(t *testing.T) {
	if !SameDescription("web\nfront\n", "web\nfront") || !SameDescription("web\n\n\n", "web") || !SameDescription("\n", "") {
		t.Error("a description that differs only by trailing newlines is a difference")
	}
	if SameDescription("\nweb", "web") || SameDescription("web\n\nfront", "web\nfront") {
		t.Error("a leading or inner newline is not kept apart")
	}
}
