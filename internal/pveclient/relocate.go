package pveclient

import (
	"context"
	"fmt"
)

// MigrateContainer migrates a container to another node and waits for the
// task (POST /nodes/{node}/lxc/{vmid}/migrate). restart=1 is PVE's restart
// mode, the only one for a running container: shut down, move, start on
// the target; a stopped one stays stopped. targetStorage, when set, is the
// storage the local volumes go to on the target (target-storage; shared
// storages are not copied).
func (c *Client) MigrateContainer(ctx context.Context, node string, vmid int, target, targetStorage string) error {
	body := map[string]any{"target": target, "restart": 1}
	if targetStorage != "" {
		body["target-storage"] = targetStorage
	}
	return c.startAndWait(ctx, fmt.Sprintf("migrating CT %d from %s to %s", vmid, node, target), guestPath(node, vmid)+"/migrate", body, nil)
}

// MoveContainerVolume moves a stopped container's volume (rootfs or mpN)
// to another storage of its node and waits (POST .../move_volume); with
// deleteSource the old volume is freed instead of kept as unusedN.
func (c *Client) MoveContainerVolume(ctx context.Context, node string, vmid int, volume, storage string, deleteSource bool) error {
	body := map[string]any{"volume": volume, "storage": storage}
	if deleteSource {
		body["delete"] = 1
	}
	what := fmt.Sprintf("moving %s of CT %d on %s to storage %s", volume, vmid, node, storage)
	return c.startAndWait(ctx, what, guestPath(node, vmid)+"/move_volume", body, nil)
}
