package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// faultyCluster fails 10% of the calls to every endpoint with a transient
// error, times out 5% of them on a lock, and fails 10% of the commands run
// inside containers.
const faultyCluster = "500:* /*=0.1;500:* /*/*=0.1;500:* /*/*/*=0.1;500:* /*/*/*/*=0.1;500:* /*/*/*/*/*=0.1;500:* /*/*/*/*/*/*=0.1;" +
	"lock:* /*/*/*/*/*=0.05;lock:* /*/*/*/*/*/*=0.05;exec:*=0.1"

// TestAccApplicationsUnderFaults applies 10 applications on a seeded cluster
// that fails often: the apply succeeds, a plan after it is empty, and the
// destroy leaves no container and no allocation.
func TestAccApplicationsUnderFaults(t *testing.T) {
	e := newEnv(t, pvesim.Options{Seed: 7, Faults: faultyCluster})
	// The retry policy users would set for a flaky cluster.
	block := rawHCL(e.appProvider(withRetry(&retryPolicy{MaxAttempts: 8, MinBackoff: "10ms", MaxBackoff: "100ms"})))
	apps := resourceBlock("proximity_application", "app").num("count", 10).str("catalog_id", "nginx").set("hostname", `"app${count.index}"`)
	nothingLeft := e.nothingLeft()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := e.sim.SetFaults(""); err != nil {
				return err
			}
			return nothingLeft(s)
		},
		Steps: []resource.TestStep{{
			Config: config(block, apps),
			ConfigStateChecks: []statecheck.StateCheck{
				// Ten containers, no orphan, and a pair for each.
				expectGuestCount(e, 10),
				expectAllocationCount(e.allocationFile, 10),
			},
			Check: func(s *terraform.State) error {
				if n := len(s.RootModule().Resources); n != 10 {
					return fmt.Errorf("%d applications in state", n)
				}
				if e.sim.Stats().Faults < 20 {
					return fmt.Errorf("only %d faults injected; the test proves little", e.sim.Stats().Faults)
				}
				return nil
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
}

// TestAccApplicationFailedDeploymentIsReplaced: a deployment that fails for
// good after its container exists leaves it in the state, tainted; the next
// apply replaces it, and no container or allocation is left over.
func TestAccApplicationFailedDeploymentIsReplaced(t *testing.T) {
	e := newSimEnv(t, "exec:apk=1|ERROR: unable to fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main")
	web := application("web", "nginx", "web")
	cfg := config(rawHCL(e.appProvider()), web)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: errorLike(`unable to fetch`),
			},
			{
				PreConfig: func() { e.must(e.sim.SetFaults("")) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// Destroyed first, so the new container may take the same VMID.
					expectOneRunningGuest(e),
					expectAllocationCount(e.allocationFile, 1),
				},
			},
		},
	})
}
