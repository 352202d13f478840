package pveclient

import (
	"context"
	"fmt"
	"strconv"
)

// AddToPool puts a guest into a resource pool (PUT /pools with poolid, in
// PVE 8.x and 9.x alike); moving it out of another pool needs allowMove.
func (c *Client) AddToPool(ctx context.Context, pool string, vmid int, allowMove bool) error {
	body := map[string]any{"poolid": pool, "vms": strconv.Itoa(vmid)}
	if allowMove {
		body["allow-move"] = 1
	}
	return c.do(ctx, fmt.Sprintf("adding CT %d to pool %s", vmid, pool), func(ctx context.Context) error {
		return c.api.Put(ctx, "/pools", body, nil)
	})
}

// RemoveFromPool takes a guest out of its resource pool.
func (c *Client) RemoveFromPool(ctx context.Context, pool string, vmid int) error {
	body := map[string]any{"poolid": pool, "vms": strconv.Itoa(vmid), "delete": 1}
	return c.do(ctx, fmt.Sprintf("removing CT %d from pool %s", vmid, pool), func(ctx context.Context) error {
		return c.api.Put(ctx, "/pools", body, nil)
	})
}

// CreatePool makes a resource pool.
func (c *Client) CreatePool(ctx context.Context, pool string) error {
	return c.do(ctx, "creating pool "+pool, func(ctx context.Context) error {
		return c.api.Post(ctx, "/pools", map[string]any{"poolid": pool}, nil)
	})
}
