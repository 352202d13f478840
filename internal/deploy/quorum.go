package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// NoQuorumError is a destroy refused because the cluster has no quorum.
// PVE's destroy would not refuse it: its task frees the container's disks
// first and then fails to write the config on the read-only /etc/pve
// (pve-container src/PVE/LXC.pm destroy_lxc_container), which leaves a
// container without its data that nothing can remove until quorum is back.
type NoQuorumError struct {
	Node string
	VMID int
}

func (e *NoQuorumError) Error() string {
	return fmt.Sprintf("the cluster has no quorum, so /etc/pve is read-only and PVE cannot remove container %d's config on node %s; "+
		"nothing was changed (PVE would free the disks and keep the container). Bring the cluster's nodes back online "+
		"(pvecm status shows the votes), then apply again", e.VMID, e.Node)
}

// requireQuorum refuses a destroy of a container while the cluster has no
// quorum; one already gone needs none.
func (d *Service) requireQuorum(ctx context.Context, node string, vmid int) error {
	ok, err := d.Client.Quorate(ctx)
	if err != nil || ok {
		return err
	}
	if _, err := d.Client.GuestStatus(ctx, node, vmid); pveclient.IsNotFound(err) {
		return nil
	}
	return &NoQuorumError{Node: node, VMID: vmid}
}
