package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationNetworkAndResizeDrift gives an app a static address,
// moves it to another one and back to DHCP in place, and puts back memory
// and cores resized out of band.
func TestAccApplicationNetworkAndResizeDrift(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	app := func(extra string) string {
		return block + `
resource "proximity_application" "web" {
  catalog_id = "it-tools"
  hostname   = "tools"
  node       = "pve2"
` + extra + `
}
`
	}
	const res = "proximity_application.web"
	inPlace := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	client := simClient(t, sim)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      app(`ip_config = { address = "dhcp", gateway = "192.168.50.1" }`),
				ExpectError: regexp.MustCompile(`Gateway without a static address`),
			},
			{
				Config:      app(`ip_config = { address = "192.168.50.10" }`),
				ExpectError: errorLike(`neither dhcp nor an IPv4 address with its prefix length`),
			},
			{
				Config: app(`ip_config = { address = "192.168.50.10/24", gateway = "192.168.50.1" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("ip_address"), knownvalue.StringExact("192.168.50.10")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringExact("http://192.168.50.10:80")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           app(`ip_config = { address = "192.168.50.11/24", gateway = "192.168.50.1" }`),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringExact("http://192.168.50.11:80")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
				},
			},
			{
				Config:           app(""),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://10\.10\.\d+\.\d+:80$`))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("ip_config"), knownvalue.Null()),
				},
			},
			{
				// Resized out of band: the plan puts memory and cores back in place.
				PreConfig: func() {
					if err := client.UpdateGuestConfig(context.Background(), "pve2", 100, map[string]any{"memory": 2048, "cores": 3}, nil, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config:           app(""),
				ConfigPlanChecks: inPlace,
				Check: func(*terraform.State) error {
					cfg, err := client.GuestConfig(context.Background(), "pve2", 100)
					if err != nil {
						return err
					}
					if cfg.Int("memory") == 2048 || cfg.Int("cores") == 3 {
						return fmt.Errorf("memory %d and cores %d were not put back", cfg.Int("memory"), cfg.Int("cores"))
					}
					return nil
				},
			},
		},
	})
}
