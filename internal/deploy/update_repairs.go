package deploy

// A refresh finds what an update is to repair of Proximity's own tags (it
// writes nothing itself): tags removed out of band, and the deploying mark
// a create left behind. The plan and the apply both ask RepairOwnTags with
// what the refresh found, so they agree on whether the update runs steps.

// OwnTagRepair is what a refresh found of Proximity's own tags on an
// application's container.
type OwnTagRepair struct {
	Missing   []string // tags the app carries and the container lacks
	Deploying bool     // the container still carries the deploying mark
}

// RepairOwnTags makes c rewrite the container's tags (userTags: the user's
// configured tags; the write adds the app's own and drops the deploying
// mark) when Proximity's tags are missing, which alone is reason for an
// update, or when the deploying mark is left and c runs steps anyway: a
// mark alone never makes a plan show a change. It reports whether c
// rewrites the tags, after which nothing found is left to repair.
func (c *Change) RepairOwnTags(r OwnTagRepair, userTags []string) bool {
	if c.Tags == nil && (len(r.Missing) > 0 || (r.Deploying && c.RunsSteps())) {
		c.Tags = append([]string{}, userTags...)
	}
	return c.Tags != nil
}

// RepairedTags are Proximity's own tags that c puts back or takes off for
// r: PVE checks the tags an update adds or removes, own ones too
// (pve-guest-common GuestHelpers::assert_tag_permissions), so the plan's
// tag check needs them (OwnTagWrite).
func (c Change) RepairedTags(r OwnTagRepair) []string {
	if c.Tags == nil {
		return nil
	}
	out := append([]string(nil), r.Missing...)
	if r.Deploying {
		out = append(out, TagDeploying)
	}
	return out
}
