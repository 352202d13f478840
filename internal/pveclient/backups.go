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

// BackupRetention is the retention a storage gives vzdump: its
// `prune-backups` property string in storage.cfg ("keep-last=3,keep-daily=7"),
// or the older `maxfiles` (PVE/VZDump.pm parse_prune_backups_maxfiles turns
// maxfiles=N into keep-last=N, and 0 into keep-all). Both are "" when the
// storage sets neither (vzdump then takes vzdump.conf's, else keep-all).
// Reading a storage's configuration takes Datastore.Allocate on it.
type BackupRetention struct {
	PruneBackups string `json:"prune-backups"`
	MaxFiles     *int   `json:"maxfiles"`
}

// StorageRetention reads a storage's backup retention from storage.cfg.
func (c *Client) StorageRetention(ctx context.Context, storage string) (BackupRetention, error) {
	var out BackupRetention
	err := c.do(ctx, "reading the configuration of storage "+storage, func(ctx context.Context) error {
		out = BackupRetention{}
		return c.api.Get(ctx, "/storage/"+url.PathEscape(storage), &out)
	})
	return out, err
}
