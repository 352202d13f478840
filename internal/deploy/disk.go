package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// growRootFS grows a container's root disk to gb GiB, and only grows it:
// PVE refuses a resize to a smaller size ("unable to shrink disk size") and
// to the same size ("disk is already at specified size"), both in
// pve-container src/PVE/API2/LXC.pm resize_vm. A restored container has
// its archive's disk size, which may already be as large as asked or larger.
func (d *Service) growRootFS(ctx context.Context, node string, vmid, gb int) (string, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	want := int64(gb) << 30
	if cfg.RootFS != nil && cfg.RootFS.Size >= want {
		return fmt.Sprintf("already %s, not below %dG", pveclient.FormatSize(cfg.RootFS.Size), gb), nil
	}
	return fmt.Sprintf("%dG", gb), d.Client.GrowDisk(ctx, node, vmid, "rootfs", fmt.Sprintf("%dG", gb))
}
