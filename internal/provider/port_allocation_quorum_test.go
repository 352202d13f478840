package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccPortAllocationWithoutQuorum allocates through the cluster store
// while the cluster has no quorum: pmxcfs is read-only, so the cluster lock
// can never be taken, and the apply fails at once saying so (not after the
// store's 150 s wait for the lock). With quorum back, the same apply works.
func TestAccPortAllocationWithoutQuorum(t *testing.T) {
	requireAcc(t)
	e := newEnv(t, pvesim.Options{})
	a := portAllocation("a").str("owner", "web")
	cfg := config(rawHCL(e.provider(withSSH())), a)
	var start time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.sim.SetQuorate(false); start = time.Now() },
				Config:    cfg,
				ExpectError: errorLike(`the cluster has no quorum: /etc/pve is read-only on node pve\d, so the allocation file ` +
					`/etc/pve/proximity/allocations.json cannot be locked .*Permission denied.* bring the cluster's nodes back online`),
			},
			{
				PreConfig: func() {
					if took := time.Since(start); took > 30*time.Second {
						t.Errorf("the failed apply took %s; want at once", took)
					}
					e.sim.SetQuorate(true)
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
				},
			},
		},
	})
}
