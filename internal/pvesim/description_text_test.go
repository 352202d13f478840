package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// TestDescriptionLosesTrailingNewlines follows pve-container
// src/PVE/LXC/Config.pm: write_pct_config writes one "#" line per element
// of split(/\n/, $descr), and Perl's split drops trailing empty fields (not
// leading or inner ones); parse_pct_config appends "\n" to every "#" line.
// So however many newlines a description ends with, it reads back with one,
// and a description of newlines only reads back as none. Create, update and
// a pending change all store it so.
func TestDescriptionLosesTrailingNewlines(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"description": {"web\n\n\n"}})
	if got := ctConfig(t, sim, "pve1", 100)["description"]; got != "web\n" {
		t.Errorf("created with web\\n\\n\\n: description = %q, want %q", got, "web\n")
	}
	for _, tc := range []struct{ set, want string }{
		{"\n\nfront\n\nend\n\n", "\n\nfront\n\nend\n"},
		{"plain", "plain\n"},
	} {
		if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"description": {tc.set}}); r.Status != 200 {
			t.Fatalf("PUT description: %d %s", r.Status, r.Raw)
		}
		if got := ctConfig(t, sim, "pve1", 100)["description"]; got != tc.want {
			t.Errorf("set %q: description = %q, want %q", tc.set, got, tc.want)
		}
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"description": {"\n\n"}}); r.Status != 200 {
		t.Fatalf("PUT description: %d %s", r.Status, r.Raw)
	}
	if got, ok := ctConfig(t, sim, "pve1", 100)["description"]; ok {
		t.Errorf("set to newlines only: description = %q, want none", got)
	}
}
