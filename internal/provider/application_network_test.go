package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccApplicationNetworkAndResizeDrift gives an app a static address,
// moves it to another one and back to DHCP in place, and puts back memory
// and cores resized out of band.
func TestAccApplicationNetworkAndResizeDrift(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "it-tools", "tools").str("node", "pve2")
	app := func(ipConfig string) string {
		if ipConfig == "" {
			return config(block, web)
		}
		return config(block, web.set("ip_config", ipConfig))
	}
	res := web.address()
	inPlace := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      app(`{ address = "dhcp", gateway = "192.168.50.1" }`),
				ExpectError: regexp.MustCompile(`Gateway without a static address`),
			},
			{
				Config:      app(`{ address = "192.168.50.10" }`),
				ExpectError: errorLike(`neither dhcp nor an IPv4 address with its prefix length`),
			},
			{
				Config: app(`{ address = "192.168.50.10/24", gateway = "192.168.50.1" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("ip_address"), knownvalue.StringExact("192.168.50.10")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringExact("http://192.168.50.10:80")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           app(`{ address = "192.168.50.11/24", gateway = "192.168.50.1" }`),
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
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://(\d+\.){3}\d+:80$`))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("ip_config"), knownvalue.Null()),
				},
			},
			{
				// Resized out of band: the plan puts memory and cores back in place.
				PreConfig: func() {
					e.must(e.client.UpdateContainerConfig(context.Background(), "pve2", 100, pveclient.ContainerConfigUpdate{Memory: ptr(2048), Cores: ptr(3)}))
				},
				Config:           app(""),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve2", 100, map[string]knownvalue.Check{"memory": int64Not(2048), "cores": int64Not(3)}),
				},
			},
		},
	})
}
