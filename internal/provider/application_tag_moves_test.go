package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccPortMoveNeedsTagAccess: a move to a port allocation's pair writes
// new px-pub-/px-int- tags, which PVE refuses an identity without
// Sys.Modify on / under user-tag-access user-allow=existing
// (GuestHelpers::assert_tag_permissions): the plan fails at
// port_allocation_id naming the datacenter.cfg line and the grant, as for
// a create, and nothing changes.
func TestAccPortMoveNeedsTagAccess(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	pair := portAllocation("pair").str("owner", "shared")
	web := application("web", "nginx", "web").str("node", "pve1")
	onPair := web.set("port_allocation_id", "proximity_port_allocation.pair.id")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, pair, web)},
			{
				PreConfig: func() { e.pveumOK("pvesh set /cluster/options --user-tag-access user-allow=existing") },
				Config:    config(block, pair, onPair), PlanOnly: true,
				ExpectError: errorLike(`PVE refuses these tags .*px-pub-<port>, px-int-<port>.* sets user-tag-access user-allow=existing.* ` +
					`in /etc/pve/datacenter.cfg: user-tag-access: user-allow=free .* ` +
					`pveum aclmod / -user terraform@pve -role ProximityTags --propagate 0`),
			},
			{
				PreConfig: func() { e.pveumOK("pvesh set /cluster/options --delete user-tag-access") },
				Config:    config(block, pair, web), PlanOnly: true,
			},
		},
	})
}
