package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccApplicationDestroyWithoutQuorum: PVE's destroy task, without
// quorum, frees the container's disks and then fails to write its config
// (pve-container src/PVE/LXC.pm destroy_lxc_container), leaving a container
// without its data. The provider refuses the destroy before touching
// anything, says why, and keeps the app's ports; with quorum back the same
// apply destroys it and frees them.
func TestAccApplicationDestroyWithoutQuorum(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectAllocationCount(e.allocationFile, 0)),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig: func() { e.sim.SetQuorate(false) },
				Config:    config(block),
				ExpectError: errorLike(`Unable to delete the application.*the cluster has no quorum, so /etc/pve is read-only and PVE cannot ` +
					`remove container 100's config on node pve1; nothing was changed.*pvecm status`),
			},
			{
				PreConfig: func() {
					// The app still runs with its data, and holds its ports.
					if _, err := e.inContainer("pve1", 100, "test -d /opt/proximity/nginx"); err != nil {
						t.Errorf("the app after the refused destroy: %v", err)
					}
					if err := expectAllocationCount(e.allocationFile, 1).verify(context.Background(), nil); err != nil {
						t.Error(err)
					}
					e.sim.SetQuorate(true)
				},
				Config: config(block),
			},
		},
	})
}
