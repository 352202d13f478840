package deploy

import (
	"context"
	"fmt"
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

// appNamed finds a Proximity application under this hostname that a create
// of catalogID must not make a twin of or take over (two states would then
// confuse them): any, except a marked deployment of the same app, which is
// an unfinished one for unfinished and provenUnfinished to judge. A create
// takes its mark off as its last write (release), so every app a create
// finished is found here, whichever state holds it. The marked ones it
// skips are a create that has not finished: killed or cancelled, running
// now in another workspace, or failed with its mark left (its removal is
// best effort); and an app created by a version that left the mark for a
// later refresh or update to remove (its next update does).
func appNamed(guests []pveclient.ClusterGuest, hostname, catalogID string) *pveclient.ClusterGuest {
	for i, g := range guests {
		if g.Type != "lxc" || g.Name != hostname || !slices.Contains(g.Tags, TagProximity) {
			continue
		}
		if !slices.Contains(g.Tags, TagDeploying) || !slices.Contains(g.Tags, TagApp+catalogID) {
			return &guests[i]
		}
	}
	return nil
}

// hostnameHeld is the refusal of a create whose hostname is already an
// application's. A run killed after its create took the deploying mark off
// and before Terraform recorded the app meets it too: importing the
// container into that resource is then the way back.
func hostnameHeld(hostname string, g *pveclient.ClusterGuest) error {
	return fmt.Errorf("the hostname %q is already the application %s of CT %d on %s; hostnames name applications: "+
		"choose another, or, if it is this resource's app (a run killed as its create ended, before Terraform recorded it), "+
		"import it (terraform import <address> %s/%d)",
		hostname, strings.TrimPrefix(tagWithPrefix(g.Tags, TagApp), TagApp), g.VMID, g.Node, g.Node, g.VMID)
}

func tagWithPrefix(tags []string, prefix string) string {
	for _, t := range tags {
		if strings.HasPrefix(t, prefix) {
			return t
		}
	}
	return ""
}

// provenUnfinished decides whether an unfinished-looking container is this
// run's to resume. Tags prove nothing (anyone who may set tags can plant a
// look-alike, which would then receive the app's secrets); the allocation
// table does: a killed run took the container's pair for this hostname, or
// the configuration names the port allocation the container records.
func (d *Service) provenUnfinished(ctx context.Context, spec Spec, g *pveclient.ClusterGuest) (bool, string, error) {
	pub, in := portsOf(g.Tags)
	if spec.PortAllocationID != "" {
		a, ok, err := d.Ports.Get(ctx, spec.PortAllocationID)
		if err != nil {
			return false, "", err
		}
		if !ok || a.PublicPort != pub || a.InternalPort != in {
			return false, "its ports are not those of port allocation " + spec.PortAllocationID, nil
		}
		return true, "", nil
	}
	// An unreadable table is an error, not a "no": going on would orphan
	// the real unfinished deployment beside a second container.
	a, ok, err := d.Ports.Find(ctx, pub)
	if err != nil {
		return false, "", err
	}
	if !ok || a.Application != spec.Hostname || a.InternalPort != in {
		return false, "the allocation table does not hold its ports for " + spec.Hostname, nil
	}
	return true, "", nil
}
