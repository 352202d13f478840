package deploy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// unfinished finds the container of a deployment of this app, under this
// hostname, that never lost its deploying mark: a run that was killed (a
// SIGKILL, a lost CI runner) after creating it and before saving it in its
// state. Hostnames name applications, so it is this application's.
func unfinished(guests []pveclient.ClusterGuest, spec Spec, entry *catalog.App) *pveclient.ClusterGuest {
	for i, g := range guests {
		if g.Type != "lxc" || g.Name != spec.Hostname || (spec.Node != "" && g.Node != spec.Node) {
			continue
		}
		if slices.Contains(g.Tags, TagDeploying) && slices.Contains(g.Tags, TagApp+entry.ID) {
			if pub, in := portsOf(g.Tags); pub != 0 && in != 0 {
				return &guests[i]
			}
		}
	}
	return nil
}

// portsOf reads the pair a container records in its tags.
func portsOf(tags []string) (public, internal int) {
	for _, tag := range tags {
		if p, ok := strings.CutPrefix(tag, allocstore.PublicTagPrefix); ok {
			public, _ = strconv.Atoi(p)
		}
		if p, ok := strings.CutPrefix(tag, allocstore.InternalTagPrefix); ok {
			internal, _ = strconv.Atoi(p)
		}
	}
	return public, internal
}

// taggedGuests is the cluster as the allocator reads it.
func taggedGuests(guests []pveclient.ClusterGuest) []allocstore.TaggedGuest {
	out := make([]allocstore.TaggedGuest, len(guests))
	for i, g := range guests {
		out[i] = allocstore.TaggedGuest{VMID: g.VMID, Node: g.Node, Tags: g.Tags}
	}
	return out
}
