package deploy

import (
	"slices"
	"strings"
	"testing"
)

// TestOwnTagSetIsOwn: the tags a create writes (ownTagSet) and the rule
// that tells Proximity's tags from the user's (isOwnTag, userTags) are one
// rule: every tag written is recognised as Proximity's, every name and
// prefix the rule knows is one that is written, and the user's tags come
// back whole, in their order, from a container's tags.
func TestOwnTagSetIsOwn(t *testing.T) {
	set := ownTagSet("nginx", "0123456789ab", 8100, 9100, true)
	written := make([]string, 0, len(set))
	for _, tag := range set {
		written = append(written, tag.name+tag.value)
		if !isOwnTag(tag.name + tag.value) {
			t.Errorf("%s%s is written but not recognised as Proximity's", tag.name, tag.value)
		}
	}
	for _, name := range ownTagNames {
		if !slices.Contains(written, name) {
			t.Errorf("%s is recognised as Proximity's but never written", name)
		}
	}
	for _, prefix := range ownTagPrefixes {
		if !slices.ContainsFunc(written, func(w string) bool { return strings.HasPrefix(w, prefix) && w != prefix }) {
			t.Errorf("the prefix %s is recognised as Proximity's but no tag written has it", prefix)
		}
	}
	tags := ownTags([]string{"web", "px", "proximity-db"}, "nginx", "0123456789ab", 8100, 9100, true)
	if got := userTags(tags); !slices.Equal(got, []string{"proximity-db", "px", "web"}) {
		t.Errorf("userTags(%v) = %v, want the user's three", tags, got)
	}
	if got := userTags(ownTags(nil, "nginx", "", 8100, 9100, false)); got == nil || len(got) != 0 {
		t.Errorf("userTags of Proximity's tags alone = %#v, want an empty list (tags set, none of the user's)", got)
	}
}
