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
