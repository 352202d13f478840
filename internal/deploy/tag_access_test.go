package deploy

import (
	"slices"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestEveryOwnTagIsChecked: each tag ownTags can write, registered in
// datacenter.cfg, makes the plan-time check refuse a write of Proximity's
// tags, naming it; a tag ownTags gained without the check would pass here
// and be refused by PVE at apply.
func TestEveryOwnTagIsChecked(t *testing.T) {
	for _, identity := range []string{"", "abc"} {
		for _, deploying := range []bool{false, true} {
			for _, tag := range ownTags(nil, "nginx", identity, 8100, 9100, deploying) {
				opts := pveclient.TagOptions{UserAllow: "free", Registered: []string{tag}}
				e := refusedTags(opts, TagWrite{CatalogID: "nginx", Proximity: true})
				if e == nil || !slices.Contains(e.Registered, tag) {
					t.Errorf("%s registered: the check says %+v, want it refused", tag, e)
				}
			}
		}
	}
}

// TestTagPlanWrite: a create, a take-over and a restore write all tags (the
// user's in full); an update only the user's tags it adds or removes.
func TestTagPlanWrite(t *testing.T) {
	old, updated := []string{"blue", "red"}, []string{"green", "red"}
	cases := []struct {
		name string
		plan TagPlan
		want TagWrite
	}{
		{"create", TagPlan{Creating: true, NewTags: updated}, TagWrite{Proximity: true, UserTags: updated}},
		{"take-over", TagPlan{Adopting: true, OldTags: old, NewTags: updated}, TagWrite{Proximity: true, UserTags: updated}},
		{"restore", TagPlan{Restoring: true, OldTags: old, NewTags: updated}, TagWrite{Proximity: true, UserTags: updated}},
		{"update", TagPlan{OldTags: old, NewTags: updated}, TagWrite{UserTags: []string{"blue", "green"}}},
		{"update, same tags", TagPlan{OldTags: old, NewTags: old}, TagWrite{}},
	}
	for _, c := range cases {
		c.plan.CatalogID, c.want.CatalogID = "nginx", "nginx"
		if got := c.plan.Write(); got.Proximity != c.want.Proximity || !slices.Equal(got.UserTags, c.want.UserTags) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
