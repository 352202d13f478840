package pveclient

import (
	"context"
	"net/url"
	"strings"
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
func (c *Client) ExtractConfig(ctx context.Context, node, volid string) (GuestConfig, error) {
	var text string
	if err := c.do(ctx, "reading the configuration in "+volid, func(ctx context.Context) error {
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/vzdump/extractconfig?volume="+url.QueryEscape(volid), &text)
	}); err != nil {
		return nil, err
	}
	return parseConfigText(text), nil
}

// parseConfigText reads a guest's .conf file: "key: value" lines up to the
// first [section] (snapshots), with the leading "#" lines as description.
func parseConfigText(text string) GuestConfig {
	cfg := GuestConfig{}
	var description []string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "["):
			return withDescription(cfg, description)
		case strings.HasPrefix(line, "#"):
			description = append(description, strings.TrimPrefix(line, "#"))
		default:
			if k, v, ok := strings.Cut(line, ": "); ok {
				cfg[k] = v
			}
		}
	}
	return withDescription(cfg, description)
}

func withDescription(cfg GuestConfig, lines []string) GuestConfig {
	if len(lines) > 0 {
		cfg["description"] = strings.Join(lines, "\n") + "\n"
	}
	return cfg
}
