package pveclient

import (
	"context"
)

// TagOptions are the datacenter.cfg settings that decide which tags an
// identity may write (pve-cluster DataCenterConfig.pm: user-tag-access,
// registered-tags), with the tags PVE itself says the caller
// may use.
type TagOptions struct {
	// UserAllow is user-tag-access's user-allow: none, list, existing or
	// free (PVE's default).
	UserAllow string
	// UserAllowList is user-tag-access's user-allow-list.
	UserAllowList []string
	// Registered are the registered-tags, which need Sys.Modify on / to
	// set or remove whatever user-allow says.
	Registered []string
	// Allowed is allowed-tags: get_allowed_tags for the caller (the
	// allow-list, existing tags where user-allow permits, without the
	// registered ones unless privileged).
	Allowed []string
}

// ClusterTagOptions reads GET /cluster/options for the tag settings.
// Without Sys.Audit on / PVE returns only console and tag-style (and
// allowed-tags): UserAllow and Registered then read as defaults, so the
// caller must hold Sys.Audit on / to trust them.
func (c *Client) ClusterTagOptions(ctx context.Context) (TagOptions, error) {
	var raw struct {
		UserTagAccess *struct {
			UserAllow     string   `json:"user-allow"`
			UserAllowList []string `json:"user-allow-list"`
		} `json:"user-tag-access"`
		Registered []string `json:"registered-tags"`
		Allowed    []string `json:"allowed-tags"`
	}
	err := c.do(ctx, "reading the cluster options", func(ctx context.Context) error {
		raw.UserTagAccess, raw.Registered, raw.Allowed = nil, nil, nil
		return c.api.Get(ctx, "/cluster/options", &raw)
	})
	if err != nil {
		return TagOptions{}, err
	}
	out := TagOptions{UserAllow: "free", Registered: raw.Registered, Allowed: raw.Allowed}
	if a := raw.UserTagAccess; a != nil {
		if a.UserAllow != "" {
			out.UserAllow = a.UserAllow
		}
		out.UserAllowList = a.UserAllowList
	}
	return out, nil
}
