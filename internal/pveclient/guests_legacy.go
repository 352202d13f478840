package pveclient

import (
	"context"
	"fmt"
	"strings"
)

// The untyped calls below remain only for internal/provider's acceptance
// tests, which plant and change containers out of band with them. Code
// uses UpdateContainerConfig, CreateContainer and StartCreateContainer;
// once those tests move to the typed calls, this file goes.

// UpdateGuestConfig sets and deletes raw options.
//
// Deprecated: use Client.UpdateContainerConfig.
func (c *Client) UpdateGuestConfig(ctx context.Context, node string, vmid int, set map[string]any, remove []string, digest string) error {
	body := map[string]any{}
	for k, v := range set {
		body[k] = v
	}
	if len(remove) > 0 {
		body["delete"] = strings.Join(remove, ",")
	}
	if digest != "" {
		body["digest"] = digest
	}
	return c.do(ctx, fmt.Sprintf("updating the config of CT %d on %s", vmid, node), func(ctx context.Context) error {
		return c.api.Put(ctx, guestPath(node, vmid)+"/config", body, nil)
	})
}

// rawCreation is a create given as raw options.
type rawCreation map[string]any

func (r rawCreation) createBody(vmid int) map[string]any {
	body := map[string]any{"vmid": vmid}
	for k, v := range r {
		body[k] = v
	}
	return body
}

// CreateGuest creates a container from raw options and waits.
//
// Deprecated: use Client.CreateContainer.
func (c *Client) CreateGuest(ctx context.Context, node string, vmid int, options map[string]any, ours func(*ContainerConfig) bool) error {
	return c.CreateContainer(ctx, node, vmid, rawCreation(options), ours)
}

// StartCreateGuest posts a create from raw options.
//
// Deprecated: use Client.StartCreateContainer.
func (c *Client) StartCreateGuest(ctx context.Context, node string, vmid int, options map[string]any) (string, error) {
	return c.StartCreateContainer(ctx, node, vmid, rawCreation(options))
}
