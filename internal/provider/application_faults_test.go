package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
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
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.01, Seed: 7, Faults: faultyCluster})
	block, file := appProviderBlock(t, sim)
	// The retry policy users would set for a flaky cluster.
	block = strings.Replace(block, `retry = { max_attempts = 3, min_backoff = "10ms", max_backoff = "50ms" }`,
		`retry = { max_attempts = 8, min_backoff = "10ms", max_backoff = "100ms" }`, 1)
	config := block + `
resource "proximity_application" "app" {
  count      = 10
  catalog_id = "nginx"
  hostname   = "app${count.index}"
}
`
	client := simClient(t, sim)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := sim.SetFaults(""); err != nil {
				return err
			}
			if guests, err := client.ClusterGuests(context.Background()); err != nil || len(guests) != 0 {
				return fmt.Errorf("%d containers left (%v)", len(guests), err)
			}
			if left := readAllocations(t, file); len(left) != 0 {
				return fmt.Errorf("%d allocations left", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				if n := len(s.RootModule().Resources); n != 10 {
					return fmt.Errorf("%d applications in state", n)
				}
				guests, err := client.ClusterGuests(context.Background())
				if err != nil {
					return err
				}
				if len(guests) != 10 {
					return fmt.Errorf("%d containers for 10 applications: an orphan", len(guests))
				}
				if left := readAllocations(t, file); len(left) != 10 {
					return fmt.Errorf("%d allocations for 10 applications", len(left))
				}
				if sim.Stats().Faults < 20 {
					return fmt.Errorf("only %d faults injected; the test proves little", sim.Stats().Faults)
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
	sim := newSim(t, "exec:apk=1|ERROR: unable to fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main")
	block, file := appProviderBlock(t, sim)
	config := block + `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
}
`
	client := simClient(t, sim)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: errorLike(`unable to fetch`),
			},
			{
				PreConfig: func() {
					if err := sim.SetFaults(""); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("proximity_application.web", plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					guests, err := client.ClusterGuests(context.Background())
					// Destroyed first, so the new container may take the same VMID.
					if err != nil || len(guests) != 1 || guests[0].Status == "stopped" {
						return fmt.Errorf("containers after the replacement: %+v %v", guests, err)
					}
					if left := readAllocations(t, file); len(left) != 1 {
						return fmt.Errorf("%d allocations for one application", len(left))
					}
					return nil
				},
			},
		},
	})
}
