package deploy

import (
	"context"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
)

// IdentityFile is where a create records, inside the container, the
// identity it gave it (the px-id- tag). Tags can be removed by anyone who
// may edit the container in the PVE UI; the file is the second proof that
// lets a state recognise its container when its px-id- tag is gone.
const IdentityFile = "/etc/proximity/identity"

// Recorded is what a Terraform state records of an application: what an
// observed container is compared with.
type Recorded struct {
	Identity, CatalogID, Hostname string
	PublicPort, InternalPort      int
}

// Owns reports whether an observed container is the application a state
// records. A state that knows its create's identity wants exactly that
// identity on the container. When the px-id- tag is gone (removed out of
// band, not replaced by another), a container with the app's hostname is
// still the app if the identity file its create wrote says so: one
// read-only pct exec, made only in that case. A stopped container cannot be
// asked and is not taken for the app, nor is one on hostname alone. A state
// from before identities (Identity "") falls back to hostname, app and
// ports.
func (d *Service) Owns(ctx context.Context, node string, vmid int, o Observed, r Recorded) (bool, error) {
	switch {
	case o.Gone:
		return false, nil
	case r.Identity == "":
		return o.Hostname == r.Hostname && o.BelongsTo("", r.CatalogID, r.PublicPort, r.InternalPort), nil
	case o.Identity != "" || o.Hostname != r.Hostname || !o.Running || d.Nodes == nil:
		return o.Identity == r.Identity, nil
	}
	res, err := d.Nodes.Run(ctx, node, PctExec(vmid, "cat", IdentityFile), nil)
	if err != nil {
		return false, err
	}
	return res.ExitCode == 0 && strings.TrimSpace(res.Stdout) == r.Identity, nil
}

// recordIdentity writes the identity file in a started container; the
// identity is hex and no secret (the px-id- tag shows it to anyone who can
// list the cluster), so it may travel on the command line.
func (d *Service) recordIdentity(ctx context.Context, node string, vmid int, identity string) error {
	if identity == "" {
		return nil
	}
	dir := IdentityFile[:strings.LastIndex(IdentityFile, "/")]
	return d.inContainer(ctx, node, vmid, "sh", "-c", "mkdir -p "+dir+" && echo "+identity+" > "+IdentityFile)
}

// MissingTags lists the Proximity tags the recorded application carries
// and the container lacks: removed out of band (in the PVE UI, say), which
// the next update puts back. A container without an app (an import that
// none was deployed into yet) has none to miss.
func (o Observed) MissingTags(r Recorded) []string {
	if r.CatalogID == "" {
		return nil
	}
	var missing []string
	for _, t := range ownTagSet(r.CatalogID, r.Identity, r.PublicPort, r.InternalPort, false) {
		if tag := t.name + t.value; !slices.Contains(o.own, tag) {
			missing = append(missing, tag)
		}
	}
	return missing
}

// WithRecorded is the observation with the app, identity and ports the
// state records where the container's tags no longer say them: a tag
// removed out of band is drift for the next update to restore, not a
// change of the application.
func (o Observed) WithRecorded(r Recorded) Observed {
	if len(o.MissingTags(r)) == 0 {
		return o
	}
	o.CatalogID, o.Identity, o.PublicPort, o.InternalPort = r.CatalogID, r.Identity, r.PublicPort, r.InternalPort
	return o
}

// Proximity's own tags by name (ownTagSet writes them): two whole tags,
// and four prefixes followed by a value. isOwnTag and userTags, the only
// readers of this rule, use these; TestOwnTagSetIsOwn keeps ownTagSet in
// step with them.
var (
	ownTagNames    = []string{TagProximity, TagDeploying}
	ownTagPrefixes = []string{TagApp, TagID, allocstore.PublicTagPrefix, allocstore.InternalTagPrefix}
)

// isOwnTag reports whether a tag is one of Proximity's own, not the user's.
func isOwnTag(tag string) bool {
	return slices.Contains(ownTagNames, tag) || slices.ContainsFunc(ownTagPrefixes, func(p string) bool { return strings.HasPrefix(tag, p) })
}

// userTags are a container's tags without Proximity's own.
func userTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		if !isOwnTag(t) {
			out = append(out, t)
		}
	}
	return out
}
