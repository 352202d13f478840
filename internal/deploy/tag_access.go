package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The rule for tags, owned here. Proximity records an app, its identity and
// its ports in the container's tags, and the cluster-wide cross-check of
// ports reads them back from /cluster/resources. PVE lets an identity
// without Sys.Modify on / add or remove a tag only as datacenter.cfg allows
// (pve-guest-common GuestHelpers::assert_tag_permissions and
// get_allowed_tags): with user-tag-access user-allow=free any tag, with
// list only user-allow-list, with existing also the tags of guests it may
// audit, with none no tag; a registered tag never. A create writes tags
// whose values are new (px-pub-<port>, px-int-<port>, px-id-<identity>), so
// only free allows them. Moving the metadata elsewhere would lose what
// /cluster/resources shows every other machine, so the plan fails instead,
// naming the datacenter.cfg line and the privilege that each fix it.

// createdTags are the tags a create writes for an app of catalogID (the
// most any plan writes): ownTagSet with an identity and px-deploying.
func createdTags(catalogID string) []ownTag {
	return ownTagSet(catalogID, "new", 0, 0, true)
}

// TagWrite is what a plan writes into a container's tags.
type TagWrite struct {
	CatalogID string
	// Proximity is true when Proximity's own tags are written (a create, a
	// restore, a take-over); false when only the user's change.
	Proximity bool
	// UserTags are the user's tags added or removed.
	UserTags []string
	// Ports is true when an update in place gives the app's port tags new
	// values (a move of the ports); OwnTags are Proximity's own tags it
	// puts back or takes off (Change.RepairedTags). Both only without
	// Proximity, which writes them all.
	Ports   bool
	OwnTags []string
}

// OwnTagWrite is what an update in place writes of Proximity's own tags,
// with the repair r it makes (RepairOwnTags): a move of the ports writes
// new px-pub-/px-int- values, a repair puts back the tags removed out of
// band and takes the deploying mark off. PVE checks those as it checks the
// user's (assert_tag_permissions compares the old and new tag lists), so
// the plan checks them with CheckTags.
func (c Change) OwnTagWrite(r OwnTagRepair) TagWrite {
	return TagWrite{CatalogID: c.CatalogID, Ports: c.Ports != nil, OwnTags: c.RepairedTags(r)}
}

// TagPlan is what a plan does to a container's tags, as the provider sees
// it; Write says what PVE checks of it.
type TagPlan struct {
	CatalogID string
	// Creating: no container yet (or a replacement, which Terraform plans as
	// a create). Adopting: the state records no catalog id (a take-over).
	// Restoring: restore_from changes.
	Creating, Adopting, Restoring bool
	// OldTags are the user's tags in the state, NewTags in the plan.
	OldTags, NewTags []string
}

// Write is what the plan writes: a create, a take-over and a restore write
// all of Proximity's tags and the user's anew; an update only the user's
// tags added or removed, the only ones PVE's check looks at then
// (assert_tag_permissions compares the old and new tag lists).
func (p TagPlan) Write() TagWrite {
	w := TagWrite{CatalogID: p.CatalogID, Proximity: p.Creating || p.Adopting || p.Restoring}
	if w.Proximity {
		w.UserTags = p.NewTags
		return w
	}
	w.UserTags = changedTags(p.OldTags, p.NewTags)
	return w
}

// changedTags are the tags in one list and not the other.
func changedTags(old, updated []string) []string {
	var out []string
	for _, t := range old {
		if !slices.Contains(updated, t) {
			out = append(out, t)
		}
	}
	for _, t := range updated {
		if !slices.Contains(old, t) {
			out = append(out, t)
		}
	}
	return out
}

// TagAccessError says which tags PVE would refuse and what fixes it.
type TagAccessError struct {
	AuthID     string
	Token      bool
	UserAllow  string
	AllowList  []string
	Registered []string // the registered tags that are in the way
	Refused    []string // tags (px-pub-<port> for a family) refused
}

func (e *TagAccessError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PVE would refuse to write the tags %s: %s has no Sys.Modify on /, and /etc/pve/datacenter.cfg ",
		strings.Join(e.Refused, ", "), strings.TrimPrefix((&MissingPrivilegesError{AuthID: e.AuthID, Token: e.Token}).who(), "The "))
	var reasons, lines []string
	if e.UserAllow != "free" {
		reasons = append(reasons, fmt.Sprintf("sets user-tag-access user-allow=%s", e.UserAllow))
		line := "user-tag-access: user-allow=free"
		if len(e.AllowList) > 0 {
			line += ",user-allow-list=" + strings.Join(e.AllowList, ";")
		}
		lines = append(lines, line)
	}
	if len(e.Registered) > 0 {
		reasons = append(reasons, "registers the tags "+strings.Join(e.Registered, ", "))
		lines = append(lines, "registered-tags without "+strings.Join(e.Registered, ", ")+" (or no registered-tags line)")
	}
	b.WriteString(strings.Join(reasons, " and "))
	b.WriteString(". Proximity records each app's catalog id, identity and ports in its container's tags, " +
		"whose values are new for every app. Fix it in one of two ways:\n")
	fmt.Fprintf(&b, "  - in /etc/pve/datacenter.cfg: %s\n", strings.Join(lines, "; "))
	b.WriteString("  - or grant Sys.Modify on / (that path only):\n")
	b.WriteString("      pveum role add ProximityTags --privs Sys.Modify\n")
	for _, grantee := range GranteeFlags(e.AuthID, e.Token) {
		fmt.Fprintf(&b, "      pveum aclmod / %s -role ProximityTags --propagate 0\n", grantee)
	}
	return strings.TrimRight(b.String(), "\n")
}

// tagOptionsCache keeps /cluster/options per client for the process.
var tagOptionsCache sync.Map // *pveclient.Client -> *tagOptionsEntry

type tagOptionsEntry struct {
	once sync.Once
	opts pveclient.TagOptions
	err  error
}

func (d *Service) tagOptions(ctx context.Context) (pveclient.TagOptions, error) {
	v, _ := tagOptionsCache.LoadOrStore(d.Client, &tagOptionsEntry{})
	e, _ := v.(*tagOptionsEntry) // the map holds nothing else
	e.once.Do(func() { e.opts, e.err = d.Client.ClusterTagOptions(ctx) })
	if e.err != nil {
		tagOptionsCache.CompareAndDelete(d.Client, e)
	}
	return e.opts, e.err
}

// CheckTags tells at plan time whether PVE lets the identity write what w
// writes; a *TagAccessError when not. Without Sys.Audit on / PVE hides
// user-tag-access and registered-tags; CheckPrivileges reports that need,
// so the rule is not guessed here.
func (d *Service) CheckTags(ctx context.Context, w TagWrite) error {
	if w.writesNothing() {
		return nil
	}
	root, err := d.privileges(ctx, PathRoot)
	if err != nil {
		return err
	}
	if root.Has("Sys.Modify", false) || !root.Has("Sys.Audit", false) {
		return nil
	}
	opts, err := d.tagOptions(ctx)
	if err != nil {
		return err
	}
	e := refusedTags(opts, w)
	if e == nil {
		return nil
	}
	e.AuthID, e.Token = d.Client.AuthID(), d.Client.IsToken()
	return e
}

func (w TagWrite) writesNothing() bool {
	return !w.Proximity && !w.Ports && len(w.UserTags) == 0 && len(w.OwnTags) == 0
}

// refusedTags applies assert_tag_permissions for an identity without
// Sys.Modify on / to what w writes.
func refusedTags(opts pveclient.TagOptions, w TagWrite) *TagAccessError {
	free := opts.UserAllow == "free"
	e := &TagAccessError{UserAllow: opts.UserAllow, AllowList: opts.UserAllowList}
	refuse := func(tag string, registered ...string) {
		if !slices.Contains(e.Refused, tag) {
			e.Refused = append(e.Refused, tag)
		}
		for _, r := range registered {
			if !slices.Contains(e.Registered, r) {
				e.Registered = append(e.Registered, r)
			}
		}
	}
	fixed := append(append([]string(nil), w.UserTags...), w.OwnTags...)
	if w.Proximity || w.Ports {
		for _, t := range createdTags(w.CatalogID) {
			if !w.Proximity && t.picked != "port" {
				continue // a move of the ports writes only these
			}
			if t.picked == "" {
				fixed = append(fixed, t.name)
				continue
			}
			var in []string
			for _, r := range opts.Registered {
				if strings.HasPrefix(r, t.name) {
					in = append(in, r)
				}
			}
			// A new value is on no guest yet and in no sensible list.
			if !free || len(in) > 0 {
				refuse(t.name+"<"+t.picked+">", in...)
			}
		}
	}
	for _, tag := range fixed {
		switch {
		case slices.Contains(opts.Registered, tag):
			refuse(tag, tag)
		case !free && !slices.Contains(opts.Allowed, tag):
			refuse(tag)
		}
	}
	if len(e.Refused) == 0 {
		return nil
	}
	return e
}
