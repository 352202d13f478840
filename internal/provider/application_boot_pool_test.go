package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// poolInCluster holds when the cluster listing shows CT 100 in pool ("":
// in none).
type poolInCluster struct {
	e    *testEnv
	pool string
}

func (c poolInCluster) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c poolInCluster) verify(ctx context.Context, _ *stateView) error {
	guests, err := c.e.client.ClusterGuests(ctx)
	if err != nil {
		return err
	}
	for _, g := range guests {
		if g.VMID == 100 {
			if g.Pool != c.pool {
				return fmt.Errorf("CT 100 is in pool %q, want %q", g.Pool, c.pool)
			}
			return nil
		}
	}
	return fmt.Errorf("CT 100 is not listed")
}

// TestAccApplicationPool: an application is created in a pool (create's
// pool parameter), read back from the cluster listing, moved to another
// pool in place (PUT /pools with allow-move), imported, put back after it
// was taken out of the pool out of band, and taken out when pool is left
// out.
func TestAccApplicationPool(t *testing.T) {
	e := newSimEnv(t, "")
	for _, p := range []string{"apps", "media"} {
		e.must(e.client.CreatePool(context.Background(), p))
	}
	block := rawHCL(e.appProvider())
	base := application("web", "it-tools", "tools").str("node", "pve1")
	res := base.address()
	pool := func(p string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(res, tfjsonpath.New("pool"), knownvalue.StringExact(p))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config:      config(block, base.str("pool", "no such/pool!")),
				PlanOnly:    true,
				ExpectError: errorLike(`is not a pool name as PVE takes it`),
			},
			{
				Config: config(block, base.str("pool", "apps")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{pool("apps"), poolInCluster{e, "apps"}},
			},
			{
				Config:            config(block, base.str("pool", "media")),
				ConfigPlanChecks:  inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{pool("media"), poolInCluster{e, "media"}},
			},
			importVerify(res),
			{
				PreConfig: func() { e.must(e.client.RemoveFromPool(context.Background(), "media", 100)) },
				Config:    config(block, base.str("pool", "media")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("pool"), knownvalue.StringExact("media")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{poolInCluster{e, "media"}},
			},
			{
				Config:            config(block, base),
				ConfigPlanChecks:  inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{poolInCluster{e, ""}, statecheck.ExpectKnownValue(res, tfjsonpath.New("pool"), knownvalue.Null())},
			},
		},
	})
}
