package pveclient

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// GuestStatus is a container's runtime state (status/current).
type GuestStatus struct {
	VMID    int     `json:"vmid"`
	Status  string  `json:"status"` // running | stopped
	Name    string  `json:"name"`
	Lock    string  `json:"lock"`
	CPUs    float64 `json:"cpus"`
	MaxMem  int64   `json:"maxmem"`
	Mem     int64   `json:"mem"`
	Disk    int64   `json:"disk"`
	MaxDisk int64   `json:"maxdisk"`
	Uptime  int64   `json:"uptime"`
	Tags    string  `json:"tags"`
}

func guestPath(node string, vmid int) string {
	return "/nodes/" + url.PathEscape(node) + "/lxc/" + strconv.Itoa(vmid)
}

// NextID asks PVE for the lowest free VMID. Nothing is reserved: the create
// that follows can still find it taken, which callers handle.
func (c *Client) NextID(ctx context.Context) (int, error) {
	var id string
	err := c.do(ctx, "asking for the next free VMID", func(ctx context.Context) error { return c.api.Get(ctx, "/cluster/nextid", &id) })
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(id)
}

// VMIDFree checks one VMID with nextid?vmid=, which answers 400 when it is taken.
func (c *Client) VMIDFree(ctx context.Context, vmid int) (bool, error) {
	var id string
	err := c.do(ctx, "checking VMID "+strconv.Itoa(vmid), func(ctx context.Context) error {
		return c.api.Get(ctx, "/cluster/nextid?vmid="+strconv.Itoa(vmid), &id)
	})
	if err != nil && KindOf(err) == KindAlreadyExists {
		return false, nil
	}
	return err == nil, err
}

// GuestStatus reads status/current; a missing guest is a KindNotFound error.
func (c *Client) GuestStatus(ctx context.Context, node string, vmid int) (GuestStatus, error) {
	var st GuestStatus
	err := c.do(ctx, fmt.Sprintf("reading the status of CT %d on %s", vmid, node), func(ctx context.Context) error {
		return c.api.Get(ctx, guestPath(node, vmid)+"/status/current", &st)
	})
	return st, err
}

// ContainerConfig reads the configuration with its digest.
func (c *Client) ContainerConfig(ctx context.Context, node string, vmid int) (*ContainerConfig, error) {
	var cfg *ContainerConfig
	err := c.do(ctx, fmt.Sprintf("reading the config of CT %d on %s", vmid, node), func(ctx context.Context) error {
		cfg = &ContainerConfig{}
		return c.api.Get(ctx, guestPath(node, vmid)+"/config", cfg)
	})
	return cfg, err
}

// UpdateContainerConfig sets and deletes options. With a digest, PVE refuses
// the change if the config changed meanwhile; a PUT is idempotent, so it is
// retried.
func (c *Client) UpdateContainerConfig(ctx context.Context, node string, vmid int, update ContainerConfigUpdate) error {
	body := update.body()
	return c.do(ctx, fmt.Sprintf("updating the config of CT %d on %s", vmid, node), func(ctx context.Context) error {
		return c.api.Put(ctx, guestPath(node, vmid)+"/config", body, nil)
	})
}

// CreateContainer creates (or restores) a container and waits for the task.
// A POST is not repeated blindly: after a failure whose outcome is unknown,
// ours decides whether a guest now found under that VMID is the one we
// created.
func (c *Client) CreateContainer(ctx context.Context, node string, vmid int, req ContainerCreation, ours func(*ContainerConfig) bool) error {
	return c.startAndWait(ctx, fmt.Sprintf("creating CT %d on %s", vmid, node), "/nodes/"+url.PathEscape(node)+"/lxc", req.createBody(vmid),
		func(ctx context.Context) (bool, error) {
			cfg, err := c.ContainerConfig(ctx, node, vmid)
			if IsNotFound(err) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			return ours(cfg), nil
		})
}

// StartCreateContainer posts the create (or restore) and returns its task
// without waiting: PVE registers the VMID before answering, so a caller
// holding a lock for the VMID choice can release it before the long part. A
// guest already existing with that VMID is a KindAlreadyExists error.
func (c *Client) StartCreateContainer(ctx context.Context, node string, vmid int, req ContainerCreation) (string, error) {
	var upid string
	// Not retried: a lost answer must be checked by the caller, who knows what "ours" means.
	err := c.api.Post(c.logContext(ctx), "/nodes/"+url.PathEscape(node)+"/lxc", req.createBody(vmid), &upid)
	if err != nil {
		return "", c.explain(fmt.Sprintf("creating CT %d on %s", vmid, node), 1, 0, err)
	}
	return upid, nil
}

// startAndWait posts a task-starting call and waits for the task. When the
// POST fails transiently, tookEffect says whether to stop (true) or retry.
func (c *Client) startAndWait(ctx context.Context, what, path string, body map[string]any, tookEffect func(ctx context.Context) (bool, error)) error {
	var upid string
	attempts := 0
	err := c.do(ctx, what, func(ctx context.Context) error {
		attempts++
		if attempts > 1 && tookEffect != nil {
			if done, err := tookEffect(ctx); err == nil && done {
				upid = ""
				return nil
			}
		}
		upid = ""
		return c.api.Post(ctx, path, body, &upid)
	})
	if err != nil {
		return err
	}
	if upid == "" {
		return nil
	}
	if _, err := c.WaitTask(ctx, upid); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// StartGuest starts a container and waits; one already running is fine.
func (c *Client) StartGuest(ctx context.Context, node string, vmid int) error {
	return c.power(ctx, node, vmid, "start", nil, "running")
}

// StartNewGuest starts a container just created, which cannot be running
// yet, without first asking for its status.
func (c *Client) StartNewGuest(ctx context.Context, node string, vmid int) error {
	running := func(ctx context.Context) (bool, error) {
		st, err := c.GuestStatus(ctx, node, vmid)
		return err == nil && st.Status == "running", err
	}
	return c.startAndWait(ctx, fmt.Sprintf("start of CT %d on %s", vmid, node), guestPath(node, vmid)+"/status/start", nil, running)
}

// ShutdownGuest asks a container to shut down cleanly, forcing it off after timeout seconds.
func (c *Client) ShutdownGuest(ctx context.Context, node string, vmid int, timeoutSeconds int) error {
	return c.power(ctx, node, vmid, "shutdown", map[string]any{"timeout": timeoutSeconds, "forceStop": 1}, "stopped")
}

// StopGuest stops a container at once; one already stopped is fine.
func (c *Client) StopGuest(ctx context.Context, node string, vmid int) error {
	return c.power(ctx, node, vmid, "stop", nil, "stopped")
}

// RebootGuest reboots a running container.
func (c *Client) RebootGuest(ctx context.Context, node string, vmid int) error {
	return c.power(ctx, node, vmid, "reboot", nil, "")
}

func (c *Client) power(ctx context.Context, node string, vmid int, action string, body map[string]any, want string) error {
	what := fmt.Sprintf("%s of CT %d on %s", action, vmid, node)
	inState := func(ctx context.Context) (bool, error) {
		if want == "" {
			return false, nil
		}
		st, err := c.GuestStatus(ctx, node, vmid)
		return err == nil && st.Status == want, err
	}
	if done, err := inState(ctx); err != nil {
		return err
	} else if done {
		return nil
	}
	return c.startAndWait(ctx, what, guestPath(node, vmid)+"/status/"+action, body, inState)
}

// DeleteGuest destroys a container with purge; one already gone is fine.
func (c *Client) DeleteGuest(ctx context.Context, node string, vmid int) error {
	gone := func(ctx context.Context) (bool, error) {
		_, err := c.GuestStatus(ctx, node, vmid)
		if IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
	if done, err := gone(ctx); err != nil || done {
		return err
	}
	var upid string
	what := fmt.Sprintf("destroying CT %d on %s", vmid, node)
	err := c.do(ctx, what, func(ctx context.Context) error {
		if done, err := gone(ctx); err == nil && done {
			upid = ""
			return nil
		}
		return c.api.Delete(ctx, guestPath(node, vmid)+"?purge=1&destroy-unreferenced-disks=1", &upid)
	})
	if err != nil || upid == "" {
		return err
	}
	_, err = c.WaitTask(ctx, upid)
	return err
}

// GrowDisk resizes a container disk to size bytes-with-unit ("12G"); PVE refuses to shrink.
func (c *Client) GrowDisk(ctx context.Context, node string, vmid int, disk, size string) error {
	return c.startAndWaitPut(ctx, fmt.Sprintf("resizing %s of CT %d on %s", disk, vmid, node), guestPath(node, vmid)+"/resize",
		map[string]any{"disk": disk, "size": size})
}

// startAndWaitPut is startAndWait for PUTs, which are idempotent.
func (c *Client) startAndWaitPut(ctx context.Context, what, path string, body map[string]any) error {
	var upid string
	if err := c.do(ctx, what, func(ctx context.Context) error { return c.api.Put(ctx, path, body, &upid) }); err != nil {
		return err
	}
	if upid == "" {
		return nil
	}
	_, err := c.WaitTask(ctx, upid)
	return err
}

// GuestIPv4 returns eth0's IPv4 address (without the prefix length), or "" while it has none.
func (c *Client) GuestIPv4(ctx context.Context, node string, vmid int) (string, error) {
	var ifaces []struct {
		Name string `json:"name"`
		Inet string `json:"inet"`
	}
	err := c.do(ctx, fmt.Sprintf("reading the interfaces of CT %d on %s", vmid, node), func(ctx context.Context) error {
		return c.api.Get(ctx, guestPath(node, vmid)+"/interfaces", &ifaces)
	})
	if err != nil {
		return "", err
	}
	for _, i := range ifaces {
		if i.Name == "eth0" && i.Inet != "" {
			ip, _, _ := strings.Cut(i.Inet, "/")
			return ip, nil
		}
	}
	return "", nil
}
