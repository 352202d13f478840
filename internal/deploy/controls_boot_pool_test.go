package deploy

import (
	"slices"
	"testing"
)

// TestPoolNeeds: an app in a pool needs Pool.Audit on it (the listing
// hides the pool otherwise); a move needs Pool.Allocate on both pools, as
// Pool.pm update_pool checks them.
func TestPoolNeeds(t *testing.T) {
	find := func(needs []PrivilegeNeed, path string) []string {
		for _, n := range needs {
			if n.Path == path {
				return n.Privs
			}
		}
		return nil
	}
	needs := ApplicationNeeds(PlannedApplication{Pool: "apps"})
	if got := find(needs, "/pool/apps"); !slices.Equal(got, []string{"Pool.Audit"}) {
		t.Errorf("in a pool: %v", got)
	}
	needs = ApplicationNeeds(PlannedApplication{VMID: 100, Pool: "media", OldPool: "apps", PoolMoves: true})
	if got := find(needs, "/pool/media"); !slices.Equal(got, []string{"Pool.Audit", "Pool.Allocate"}) {
		t.Errorf("moved into media: %v", got)
	}
	if got := find(needs, "/pool/apps"); !slices.Equal(got, []string{"Pool.Allocate"}) {
		t.Errorf("moved out of apps: %v", got)
	}
	if got := find(ApplicationNeeds(PlannedApplication{}), "/pool/"); got != nil {
		t.Errorf("no pool: %v", got)
	}
	for id, ok := range map[string]bool{"apps": true, "a/b/c": true, "a/b/c/d": false, "no such": false, "": false} {
		if (CheckPoolID(id) == "") != ok {
			t.Errorf("CheckPoolID(%q) = %q", id, CheckPoolID(id))
		}
	}
}
