package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// templateOption is a template the default could take: one on a storage
// of the node (volid set) or one of the node's appliance index.
type templateOption struct {
	name  string
	volid string // "" for one to download
	rel   templateRelease
}

// defaultTemplate chooses the template of an app whose configuration names
// none, among the supported templates on the node and those of its index
// (section system): the preferred distribution (templateRelease.preference),
// its newest release, one already on the node before a download of the same
// release, then the newest build. A template on the node of a release the
// provider does not support is never taken.
func defaultTemplate(present []pveclient.Volume, index []pveclient.Appliance) (templateOption, bool) {
	var options []templateOption
	for _, v := range present {
		if rel, ok := parseTemplateRelease(v.VolID); ok && rel.preference() >= 0 {
			options = append(options, templateOption{name: v.VolID[strings.LastIndex(v.VolID, "/")+1:], volid: v.VolID, rel: rel})
		}
	}
	for _, a := range index {
		if a.Type != "lxc" || a.Section != "system" {
			continue // turnkeylinux and the other sections are apps, not bases
		}
		if rel, ok := parseTemplateRelease(a.Template); ok && rel.preference() >= 0 {
			options = append(options, templateOption{name: a.Template, rel: rel})
		}
	}
	if len(options) == 0 {
		return templateOption{}, false
	}
	return slices.MinFunc(options, func(a, b templateOption) int {
		return cmp.Or(
			cmp.Compare(a.rel.preference(), b.rel.preference()),
			compareVersions(b.rel.release, a.rel.release),
			cmp.Compare(boolRank(a.volid == ""), boolRank(b.volid == "")),
			compareVersions(b.rel.build, a.rel.build),
			strings.Compare(a.volid, b.volid))
	}), true
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// templatesOn lists the templates on a node's usable template storages.
func (d *Service) templatesOn(ctx context.Context, node string, usable []pveclient.Storage) ([]pveclient.Volume, error) {
	var out []pveclient.Volume
	for _, s := range usable {
		vols, err := d.Client.Content(ctx, node, s.ID, "vztmpl", 0)
		if err != nil {
			return nil, err
		}
		out = append(out, vols...)
	}
	return out, nil
}

// findTemplate is the volid of the asked template (a volid, or a file name
// on any storage) among those present.
func findTemplate(present []pveclient.Volume, asked string) (string, bool) {
	name := asked[strings.LastIndex(asked, "/")+1:]
	for _, v := range present {
		if v.VolID == asked || strings.HasSuffix(v.VolID, "/"+name) {
			return v.VolID, true
		}
	}
	return "", false
}

// ensureTemplate returns the volid of the app's template on the node: the
// asked one (a supported release, by checkTemplateRelease) or the default,
// downloaded from the node's index to its template storage when missing.
func (d *Service) ensureTemplate(ctx context.Context, node string, storages []pveclient.Storage, asked string) (string, error) {
	if asked != "" {
		if err := checkTemplateRelease(asked); err != nil {
			return "", err
		}
	}
	store, err := chooseStorage(node, storages, "vztmpl")
	if err != nil {
		return "", err
	}
	present, err := d.templatesOn(ctx, node, usableStorages(storages, "vztmpl"))
	if err != nil {
		return "", err
	}
	name := asked[strings.LastIndex(asked, "/")+1:]
	if asked == "" {
		index, err := d.Client.ApplianceIndex(ctx, node)
		if err != nil {
			return "", err
		}
		best, ok := defaultTemplate(present, index)
		if !ok {
			return "", fmt.Errorf("node %s has no template of a supported release (%s) and its appliance index offers none; "+
				"run `pveam update` on the node, or set template", node, SupportedTemplates)
		}
		if best.volid != "" {
			return best.volid, nil
		}
		name = best.name
	}
	if volid, ok := findTemplate(present, cmp.Or(asked, name)); ok {
		return volid, nil
	}
	if err := d.Client.DownloadTemplate(ctx, node, store.ID, name); err != nil {
		return "", fmt.Errorf("template %s is not on %s and could not be downloaded: %w", name, node, err)
	}
	return store.ID + ":vztmpl/" + name, nil
}

// CheckTemplate tells at plan time whether an asked template can be used on
// a node: the asked one, else the provider's default node (where the apply
// creates it, see chooseNode), else any online node. The template must be a
// supported release, present on a usable template storage, or offered for
// download by the node's index.
func (d *Service) CheckTemplate(ctx context.Context, node, asked string) error {
	if err := checkTemplateRelease(asked); err != nil {
		return err
	}
	name := asked[strings.LastIndex(asked, "/")+1:]
	node = cmp.Or(node, d.DefaultNode)
	nodes := []string{node}
	if node == "" {
		online, err := d.Client.OnlineNodes(ctx)
		if err != nil {
			return err
		}
		nodes = online
	}
	var known []string // the templates' file names, for a suggestion
	for _, n := range nodes {
		storages, err := d.Client.Storages(ctx, n)
		if err != nil {
			return err
		}
		present, err := d.templatesOn(ctx, n, usableStorages(storages, "vztmpl"))
		if err != nil {
			return err
		}
		if _, ok := findTemplate(present, asked); ok {
			return nil
		}
		for _, v := range present {
			known = append(known, v.VolID[strings.LastIndex(v.VolID, "/")+1:])
		}
	}
	if len(nodes) == 0 {
		return fmt.Errorf("no node is online to look for template %s", asked)
	}
	offered, err := d.Client.Appliances(ctx, nodes[0])
	if err != nil {
		return err
	}
	if slices.Contains(offered, name) {
		return nil
	}
	return fmt.Errorf("template %s is on no template storage of %s and aplinfo does not offer it for download; "+
		"upload it, or choose one that `pveam available --section system` lists%s", asked, strings.Join(nodes, ", "),
		didYouMean(name, append(known, offered...)))
}

// SameTemplate tells whether two values of template name the same template:
// equal, or a file name and a volid of that file (the name is how the
// configuration may ask for it, the volid where the app runs it). Two volids
// on different storages are different templates.
func SameTemplate(a, b string) bool {
	if a == b {
		return true
	}
	file := func(s string) string { return s[strings.LastIndex(s, "/")+1:] }
	isName := func(s string) bool { return !strings.Contains(s, ":") }
	return (isName(a) || isName(b)) && file(a) == file(b)
}

// didYouMean names the supported templates on the nodes or in the index
// closest to a name that matches none (a short name such as
// debian-12-standard, a build that was replaced): those sharing the longest
// prefix with it, at most three, newest first.
func didYouMean(name string, offered []string) string {
	best, closest := 0, []string(nil)
	for _, o := range offered {
		if rel, ok := parseTemplateRelease(o); !ok || rel.preference() < 0 {
			continue
		}
		n := commonPrefix(name, o)
		switch {
		case n > best:
			best, closest = n, []string{o}
		case n == best && n > 0:
			closest = append(closest, o)
		}
	}
	if len(closest) == 0 {
		return ""
	}
	slices.SortFunc(closest, func(a, b string) int { return compareVersions(b, a) })
	closest = slices.Compact(closest)
	return "; closest: " + strings.Join(closest[:min(3, len(closest))], ", ")
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
