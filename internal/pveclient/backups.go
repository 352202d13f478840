package pveclient

import (
	"context"
	"fmt"
	"net/url"
)

// VolumeInfo is one volume's attributes, with its notes whole (content
// listings show only their first line).
type VolumeInfo struct {
	Size      int64  `json:"size"`
	Format    string `json:"format"`
	Notes     string `json:"notes"`
	Protected int    `json:"protected"`
}

// GetVolume reads one volume's attributes.
func (c *Client) GetVolume(ctx context.Context, node, storage, volid string) (VolumeInfo, error) {
	var out VolumeInfo
	err := c.do(ctx, "reading "+volid, func(ctx context.Context) error {
		out = VolumeInfo{}
		return c.api.Get(ctx, storagePath(node, storage)+"/content/"+url.PathEscape(volid), &out)
	})
	return out, err
}

// ExtractConfig reads the guest configuration stored in a backup archive.
func (c *Client) ExtractConfig(ctx context.Context, node, volid string) (*ContainerConfig, error) {
	var text string
	if err := c.do(ctx, "reading the configuration in "+volid, func(ctx context.Context) error {
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/vzdump/extractconfig?volume="+url.QueryEscape(volid), &text)
	}); err != nil {
		return nil, err
	}
	cfg, err := parseConfigText(text)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration in %s: %w", volid, err)
	}
	return cfg, nil
}

// VzdumpDefaults is what vzdump would use on a node
// (GET /nodes/{node}/vzdump/defaults, PVE/API2/VZDump.pm defaults): the
// storage of a backup that names none (vzdump.conf's, else local), and the
// prune-backups it applies there (the storage's own, else vzdump.conf's,
// else keep-all=1). It takes Datastore.Audit or Datastore.AllocateSpace on
// that storage.
type VzdumpDefaults struct {
	Storage      string `json:"storage"`
	PruneBackups string `json:"prune-backups"`
}

// VzdumpDefaults reads vzdump's defaults on a node, for a storage or ("")
// for the default one.
func (c *Client) VzdumpDefaults(ctx context.Context, node, storage string) (VzdumpDefaults, error) {
	q := url.Values{}
	if storage != "" {
		q.Set("storage", storage)
	}
	var out VzdumpDefaults
	err := c.do(ctx, "reading the vzdump defaults of "+node, func(ctx context.Context) error {
		out = VzdumpDefaults{}
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/vzdump/defaults?"+q.Encode(), &out)
	})
	return out, err
}
