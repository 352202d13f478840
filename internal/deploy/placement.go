package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Preferred templates, in order; the first present or downloadable is used.
var defaultTemplates = []string{"alpine-3.22-default_20250617_amd64.tar.xz", "debian-12-standard_12.7-1_amd64.tar.zst"}

// chooseNode takes the asked node, the default one, or the online node with
// the most free memory that fits the app.
func (d *Service) chooseNode(ctx context.Context, asked string, memoryMB int) (string, error) {
	nodes, err := d.Client.Nodes(ctx)
	if err != nil {
		return "", err
	}
	if want := cmp.Or(asked, d.DefaultNode); want != "" {
		if err := checkNode(nodes, want); err != nil {
			return "", err
		}
		return want, nil
	}
	best, bestFree := "", int64(-1)
	for _, n := range nodes {
		if n.Online && n.MemoryFree() >= int64(memoryMB)<<20 && n.MemoryFree() > bestFree {
			best, bestFree = n.Name, n.MemoryFree()
		}
	}
	if best == "" {
		return "", fmt.Errorf("no online node has %d MB of memory free", memoryMB)
	}
	return best, nil
}

// ensureTemplate returns the template volid, downloading it when missing.
func (d *Service) ensureTemplate(ctx context.Context, node string, storages []pveclient.Storage, asked string) (string, error) {
	var store string
	for _, s := range storages {
		if s.Holds("vztmpl") {
			store = s.ID
			break
		}
	}
	if store == "" {
		return "", fmt.Errorf("node %s has no storage for templates", node)
	}
	present, err := d.Client.Content(ctx, node, store, "vztmpl", 0)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, v := range present {
		have[v.VolID] = true
	}
	candidates := defaultTemplates
	if asked != "" {
		if strings.Contains(asked, ":") {
			if have[asked] {
				return asked, nil
			}
			asked = asked[strings.LastIndex(asked, "/")+1:]
		}
		candidates = []string{asked}
	}
	for _, name := range candidates {
		if have[store+":vztmpl/"+name] {
			return store + ":vztmpl/" + name, nil
		}
	}
	if err := d.Client.DownloadTemplate(ctx, node, store, candidates[0]); err != nil {
		return "", fmt.Errorf("template %s is not on %s and could not be downloaded: %w", candidates[0], node, err)
	}
	return store + ":vztmpl/" + candidates[0], nil
}

func rootStorage(node string, storages []pveclient.Storage) (string, error) {
	for _, s := range storages { // most free space first
		if s.Holds("rootdir") {
			return s.ID, nil
		}
	}
	return "", fmt.Errorf("node %s has no storage for container disks", node)
}

// CheckTemplate tells at plan time whether an asked template can be used on
// a node (any online node when node is empty): present on its template
// storage, or offered for download by aplinfo.
func (d *Service) CheckTemplate(ctx context.Context, node, asked string) error {
	name := asked[strings.LastIndex(asked, "/")+1:]
	nodes := []string{node}
	if node == "" {
		online, err := d.Client.OnlineNodes(ctx)
		if err != nil {
			return err
		}
		nodes = online
	}
	for _, n := range nodes {
		storages, err := d.Client.Storages(ctx, n)
		if err != nil {
			return err
		}
		for _, s := range storages {
			if !s.Holds("vztmpl") {
				continue
			}
			present, err := d.Client.Content(ctx, n, s.ID, "vztmpl", 0)
			if err != nil {
				return err
			}
			for _, v := range present {
				if v.VolID == asked || strings.HasSuffix(v.VolID, "/"+name) {
					return nil
				}
			}
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
		"upload it, or choose one that `pveam available --section system` lists", asked, strings.Join(nodes, ", "))
}
