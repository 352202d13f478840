package pveclient

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Privileges are one identity's effective privileges on one ACL path, as
// GET /access/permissions answers them: each privilege held, and whether it
// propagates to the paths below (a new guest's /vms/<vmid> gets only what
// propagates from /vms).
type Privileges map[string]bool

// Has reports whether priv is held on the path; below is true when it must
// also hold on paths under it that have no ACL of their own yet.
func (p Privileges) Has(priv string, below bool) bool {
	propagates, ok := p[priv]
	return ok && (propagates || !below)
}

// Permissions asks PVE for the caller's effective privileges on one path.
// PVE computes them as its own checks do (RPCEnvironment::permissions:
// roles of the user, its groups and, for a token with privilege
// separation, the intersection with the token's; propagation and pools
// included), so nothing is recomputed here.
func (c *Client) Permissions(ctx context.Context, path string) (Privileges, error) {
	var out map[string]map[string]any
	err := c.do(ctx, "reading the effective privileges on "+path, func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/access/permissions?path="+url.QueryEscape(path), &out)
	})
	if err != nil {
		return nil, err
	}
	privs := Privileges{}
	for priv, flag := range out[path] {
		propagates, err := propagateFlag(flag)
		if err != nil {
			return nil, fmt.Errorf("reading the effective privileges on %s: privilege %s: %w", path, priv, err)
		}
		privs[priv] = propagates
	}
	return privs, nil
}

// propagateFlag reads PVE's propagate flag: 1 or 0 (a number in JSON;
// some proxies turn it into a string or a boolean).
func propagateFlag(v any) (bool, error) {
	switch f := v.(type) {
	case float64:
		return f != 0, nil
	case bool:
		return f, nil
	case string:
		return f == "1", nil
	}
	return false, fmt.Errorf("unexpected propagate flag %v", v)
}

// AuthID is who the client acts as: the token id (user@realm!name) or the
// user of a password login; empty when unknown.
func (c *Client) AuthID() string {
	switch a := c.auth.(type) {
	case tokenAuth:
		id, _, _ := strings.Cut(a.token, "=")
		return id
	case *ticketAuth:
		return a.username
	}
	return ""
}

// IsToken reports whether the client authenticates with an API token.
func (c *Client) IsToken() bool {
	_, ok := c.auth.(tokenAuth)
	return ok
}
