package pvesim

import "testing"

// TestTagsFollowTagStyle pins get_unique_tags (pve-guest-common
// src/PVE/GuestHelpers.pm, master L349-378, 5.2.2 L345-374): sorted and
// lower-cased by default, as written with ordering=config, case kept with
// case-sensitive=1; duplicates dropped either way.
func TestTagsFollowTagStyle(t *testing.T) {
	sim := startSim(t, Options{})
	for _, c := range []struct{ style, in, want string }{
		{"", "Zeta;alpha,zeta beta", "alpha;beta;zeta"},
		{"ordering=config", "Zeta;alpha,zeta beta", "zeta;alpha;beta"},
		{"case-sensitive=1", "Zeta;alpha,zeta beta", "Zeta;alpha;beta;zeta"},
		{"ordering=config,case-sensitive=1", "Zeta;alpha,zeta;Zeta", "Zeta;alpha;zeta"},
	} {
		dc := sim.readDatacenterConfig()
		dc.values["tag-style"] = c.style
		if c.style == "" {
			delete(dc.values, "tag-style")
		}
		if err := sim.cfs.WriteFile(datacenterCfgPath, []byte(dc.String()), 0o640); err != nil {
			t.Fatal(err)
		}
		if got := sim.uniqueTags(c.in); got != c.want {
			t.Errorf("tag-style %q: %q became %q, want %q", c.style, c.in, got, c.want)
		}
	}
}
