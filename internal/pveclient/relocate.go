package pveclient

import (
	"context"
	"fmt"
	"time"
)

// MigrateContainer migrates a container to another node and waits for the
// task (POST /nodes/{node}/lxc/{vmid}/migrate). restart=1 is PVE's restart
// mode, the only one for a running container: shut down, move, start on
// the target; a stopped one stays stopped. targetStorage, when set, is the
// storage the local volumes go to on the target (target-storage; shared
// storages are not copied). A POST whose answer was lost is not sent again
// once the migration runs (the guest is locked for it, or gone from the
// node); the call then waits for the guest to be on the target, unlocked.
func (c *Client) MigrateContainer(ctx context.Context, node string, vmid int, target, targetStorage string) error {
	body := map[string]any{"target": target, "restart": 1}
	if targetStorage != "" {
		body["target-storage"] = targetStorage
	}
	what := fmt.Sprintf("migrating CT %d from %s to %s", vmid, node, target)
	started := func(ctx context.Context) (bool, error) {
		st, err := c.GuestStatus(ctx, node, vmid)
		if IsNotFound(err) {
			return true, nil
		}
		return err == nil && st.Lock == "migrate", err
	}
	if err := c.startAndWait(ctx, what, guestPath(node, vmid)+"/migrate", body, started); err != nil {
		return err
	}
	return c.waitSettled(ctx, what, func(ctx context.Context) (bool, error) {
		st, err := c.GuestStatus(ctx, target, vmid)
		if err == nil {
			return st.Lock == "", nil
		}
		if !IsNotFound(err) {
			return false, err
		}
		if src, err := c.GuestStatus(ctx, node, vmid); err == nil && src.Lock == "" {
			return false, fmt.Errorf("%s: the migration ended with the container still on %s; its task log there says why", what, node)
		}
		return false, nil
	})
}

// MoveContainerVolume moves a stopped container's volume (rootfs or mpN)
// to another storage of its node and waits (POST .../move_volume); with
// deleteSource the old volume is freed instead of kept as unusedN. A POST
// whose answer was lost is not sent again once the move runs (the guest
// holds the 'disk' lock) or is over (rootfs is on the storage): the call
// waits for the lock to go, and then checks, for rootfs, that the disk is
// on the storage.
func (c *Client) MoveContainerVolume(ctx context.Context, node string, vmid int, volume, storage string, deleteSource bool) error {
	body := map[string]any{"volume": volume, "storage": storage}
	if deleteSource {
		body["delete"] = 1
	}
	what := fmt.Sprintf("moving %s of CT %d on %s to storage %s", volume, vmid, node, storage)
	locked := func(ctx context.Context) (bool, error) {
		st, err := c.GuestStatus(ctx, node, vmid)
		return err == nil && st.Lock == "disk", err
	}
	started := func(ctx context.Context) (bool, error) {
		if busy, err := locked(ctx); err != nil || busy {
			return busy, err
		}
		cfg, err := c.ContainerConfig(ctx, node, vmid) // the lost call's move may be over already
		return err == nil && volume == "rootfs" && cfg.RootFS != nil && cfg.RootFS.Storage() == storage, err
	}
	if err := c.startAndWait(ctx, what, guestPath(node, vmid)+"/move_volume", body, started); err != nil {
		return err
	}
	return c.waitSettled(ctx, what, func(ctx context.Context) (bool, error) {
		if busy, err := locked(ctx); err != nil || busy {
			return false, err
		}
		cfg, err := c.ContainerConfig(ctx, node, vmid)
		if err != nil || volume != "rootfs" || cfg.RootFS == nil {
			return err == nil, err
		}
		if cfg.RootFS.Storage() != storage {
			return false, fmt.Errorf("%s: the move ended with the disk still on %s; the task log on %s says why", what, cfg.RootFS.Storage(), node)
		}
		return true, nil
	})
}

// waitSettled polls done until it reports true or an error, or ctx ends.
func (c *Client) waitSettled(ctx context.Context, what string, done func(ctx context.Context) (bool, error)) error {
	for delay := pollStart; ; delay = min(2*delay, 2*time.Second) {
		ok, err := done(ctx)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(delay):
		}
	}
}
