package provider

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestAccGatewayIsolatedNetwork builds the isolated app network on the
// simulator's SDN with the gateway, puts one app on it and keeps one off
// it: both answer through the gateway, the isolated one only there.
func TestAccGatewayIsolatedNetwork(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	gw := gatewayBlock("gw").str("node", "pve1").set("network", `{ cidr = "10.20.0.0/24" }`)
	noDnsmasq := config(block, gw)
	inside := application("inside", "nginx", "inside").str("network", "proximity").set("depends_on", "[proximity_gateway.gw]")
	outside := application("outside", "httpd", "outside").set("depends_on", "[proximity_gateway.gw]")
	res, in := gw.address(), inside.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config:      config(block, gw.set("network", `{ cidr = "10.20.0.5/24" }`)),
				ExpectError: regexp.MustCompile(`not a network address; write 10\.20\.0\.0/24`),
			},
			{
				// PVE does not install dnsmasq, which its SDN DHCP needs.
				Config:      noDnsmasq,
				ExpectError: regexp.MustCompile(`(?s)dnsmasq is missing on pve1, pve2, pve3.*apt install dnsmasq`),
			},
			{
				PreConfig: func() { pvesimtest.InstallDnsmasq(t, e.sim) },
				Config:    config(block, gw, inside, outside),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("network").AtMapKey("bridge"), knownvalue.StringExact("pxvnet")),
					statecheck.ExpectKnownValue(in, tfjsonpath.New("node"), knownvalue.StringExact("pve1")),
					statecheck.ExpectKnownValue(in, tfjsonpath.New("bridge"), knownvalue.StringExact("pxvnet")),
					statecheck.ExpectKnownValue(in, tfjsonpath.New("ip_address"), knownvalue.StringRegexp(regexp.MustCompile(`^10\.20\.0\.\d+$`))),
					statecheck.ExpectKnownValue(outside.address(), tfjsonpath.New("network"), knownvalue.Null()),
				},
				Check:            resource.ComposeTestCheckFunc(servesApps(res, "inside", "outside"), unreachableDirectly(in)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A node other than the gateway's fails the plan.
				Config:      config(block, gw, inside.str("node", "pve2"), outside),
				ExpectError: regexp.MustCompile(`runs on the gateway's node pve1`),
			},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"deployment_log", "template", "timeouts", "routes"},
			},
			{
				// Moved off the isolated network in place: the default bridge.
				Config: config(block, gw, inside.set("network", "null"), outside),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(in, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(in, tfjsonpath.New("bridge"), knownvalue.StringExact("vmbr0")),
					statecheck.ExpectKnownValue(in, tfjsonpath.New("network"), knownvalue.Null()),
				},
			},
		},
	})
}

// unreachableDirectly checks that an app on the isolated network does not
// answer on its own address from this machine.
func unreachableDirectly(address string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		direct, err := attrOf(s, address, "direct_url")
		if err != nil {
			return err
		}
		vmid, _ := attrOf(s, address, "vmid")
		// This machine routes 10.20.0.0/24 to its default gateway, where
		// anything may answer: only the app's own page would be a leak.
		resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(direct)
		if err != nil {
			return nil
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if strings.Contains(string(body), "CT "+vmid) {
			return fmt.Errorf("%s answers on its own address %s: it should be reachable only through the gateway", address, direct)
		}
		return nil
	}
}

// TestAccGatewayIsolatedNetworkNeedsSDNPrivileges: with the README's minimal
// roles (no SDN.Allocate), the plan says what is missing.
func TestAccGatewayIsolatedNetworkNeedsSDNPrivileges(t *testing.T) {
	e := newSimEnv(t, "")
	token := e.minimalToken()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      config(rawHCL(e.appProvider(withAPIToken(token))), gatewayBlock("gw").set("network", `{ cidr = "10.20.0.0/24" }`)),
			ExpectError: regexp.MustCompile(`(?s)lacks SDN\.Allocate on /sdn/zones.*PVESDNAdmin`),
		}},
	})
}
