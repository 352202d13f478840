package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccApplicationNullValuesImportedPlainContainer imports a container
// Proximity did not create: it has no catalog id, no allocation and no
// ports, and the state says so with nulls, not "" and 0 (issue 16, item 9).
func TestAccApplicationNullValuesImportedPlainContainer(t *testing.T) {
	e := newSimEnv(t, "")
	ctx := context.Background()
	ct := plainContainer(pveclient.ContainerSettings{
		Hostname: "plain", Memory: 64, Cores: 1, Unprivileged: ptr(true),
		Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
	})
	ct.RootFS.Volume = "local-lvm:4"
	e.must(e.client.CreateContainer(ctx, "pve1", 210, ct, nil))
	plain := application("plain", "it-tools", "plain")
	cfg := config(rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
`), rawHCL(e.appProvider()), plain)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: cfg, ResourceName: plain.address(), ImportState: true, ImportStateId: "pve1/210",
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if len(states) != 1 {
					return fmt.Errorf("imported %d states, want 1", len(states))
				}
				// The flattened state leaves null attributes out; "" and 0
				// would be there.
				for _, name := range []string{"catalog_id", "allocation_id", "public_port", "internal_port"} {
					if v, ok := states[0].Attributes[name]; ok {
						return fmt.Errorf("%s = %q after the import, want null", name, v)
					}
				}
				if states[0].Attributes["vmid"] != "210" {
					return fmt.Errorf("vmid = %q, want 210", states[0].Attributes["vmid"])
				}
				return nil
			},
		}},
	})
}

// TestAccApplicationNullAllocationID deploys an app on the pair of a
// proximity_port_allocation: the app holds no allocation of its own, so
// allocation_id is null, not "", and the next plan is empty.
func TestAccApplicationNullAllocationID(t *testing.T) {
	e := newSimEnv(t, "")
	pair := portAllocation("pair").str("owner", "web")
	web := application("web", "it-tools", "web").set("port_allocation_id", "proximity_port_allocation.pair.id")
	res := web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(rawHCL(e.appProvider()), pair, web),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("allocation_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
				},
			},
			{
				// An update leaves the null alone: the plan of a memory change
				// keeps allocation_id null, and the plan after it is empty.
				Config: config(rawHCL(e.appProvider()), pair, web.num("memory", 256)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("allocation_id"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("allocation_id"), knownvalue.Null()),
				},
			},
		},
	})
}
