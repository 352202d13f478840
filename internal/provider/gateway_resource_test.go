package provider

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func gatewayBlock(name string) hclBlock { return resourceBlock("proximity_gateway", name) }

// attrOf reads one attribute of a resource from a state.
func attrOf(s *terraform.State, address, key string) (string, error) {
	r, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", address)
	}
	v, ok := r.Primary.Attributes[key]
	if !ok {
		return "", fmt.Errorf("%s has no %s", address, key)
	}
	return v, nil
}

// servesApps checks that each app answers on its url through the gateway
// with its own page, and on its embed_url without the headers that forbid
// framing, which its url keeps.
func servesApps(gateway string, apps ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		gwIP, err := attrOf(s, gateway, "ip_address")
		if err != nil {
			return err
		}
		for _, app := range apps {
			address := "proximity_application." + app
			url, err := attrOf(s, address, "url")
			if err != nil {
				return err
			}
			public, _ := attrOf(s, address, "public_port")
			if want := "http://" + gwIP + ":" + public; url != want {
				return fmt.Errorf("%s url = %s, want %s (through the gateway)", address, url, want)
			}
			header, body, err := pvesimtest.GetPage(url)
			if err != nil {
				return fmt.Errorf("%s url: %w", address, err)
			}
			vmid, _ := attrOf(s, address, "vmid")
			if !strings.Contains(body, vmid) {
				return fmt.Errorf("%s url answered a page that does not name CT %s: %q", address, vmid, body)
			}
			if header.Get("X-Frame-Options") == "" {
				return fmt.Errorf("%s url lost the app's X-Frame-Options: only embed_url removes it", address)
			}
			embed, _ := attrOf(s, address, "embed_url")
			header, body, err = pvesimtest.GetPage(embed)
			if err != nil {
				return fmt.Errorf("%s embed_url: %w", address, err)
			}
			if !strings.Contains(body, vmid) {
				return fmt.Errorf("%s embed_url answered a page that does not name CT %s: %q", address, vmid, body)
			}
			if v := header.Get("X-Frame-Options"); v != "" {
				return fmt.Errorf("%s embed_url keeps X-Frame-Options: %s", address, v)
			}
			if csp := header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors") {
				return fmt.Errorf("%s embed_url keeps frame-ancestors: %s", address, csp)
			}
		}
		return nil
	}
}

// refused checks that a URL no longer answers.
func refused(url *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(*url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return fmt.Errorf("GET %s still answers 200 after the app was deleted", *url)
			}
		}
		return nil
	}
}

func TestAccGatewayServesApps(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	gw := gatewayBlock("gw").str("node", "pve1")
	apps := func(names ...string) []fmt.Stringer {
		out := []fmt.Stringer{block, gw}
		for _, n := range names {
			out = append(out, application(n, map[string]string{"web": "nginx", "docs": "httpd", "tools": "it-tools"}[n], n).
				set("depends_on", "[proximity_gateway.gw]"))
		}
		return out
	}
	var toolsURL string
	res := gw.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				// The apps depend on the gateway: each one's create syncs it
				// and gets its URLs through it.
				Config: config(apps("web", "docs", "tools")...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("hostname"), knownvalue.StringExact("proximity-gateway")),
				},
				Check: resource.ComposeTestCheckFunc(servesApps(res, "web", "docs", "tools"), func(s *terraform.State) error {
					toolsURL, _ = attrOf(s, "proximity_application.tools", "url")
					return nil
				}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The refresh reads the routes the gateway serves.
				Config: config(apps("web", "docs", "tools")...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(3)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// An app deleted: its route goes with it.
				Config:           config(apps("web", "docs")...),
				Check:            resource.ComposeTestCheckFunc(servesApps(res, "web", "docs"), refused(&toolsURL)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(apps("web", "docs")...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(2)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The web app restarted out of band with a new DHCP lease: the
				// gateway's plan shows its route as stale, and the apply fixes it.
				PreConfig: func() {
					e.restartWithNewAddress("web")
					e.sim.ResetStats()
				},
				Config:             config(apps("web", "docs")...),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// That plan wrote nothing (it read the cluster and the
				// gateway's file); the apply syncs.
				PreConfig: func() {
					if w := e.sim.Stats().Writes; len(w) != 0 {
						t.Errorf("the gateway's plan wrote: %v", w)
					}
				},
				Config: config(apps("web", "docs")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: servesApps(res, "web", "docs"),
			},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"deployment_log", "template", "timeouts"},
			},
			{
				// Destroyed out of band: recreated, and its routes rebuilt.
				PreConfig: func() { e.destroyGateway() },
				Config:    config(apps("web", "docs")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(2)),
				},
			},
			{
				// The apps' next refresh finds the new gateway's address.
				Config:           config(apps("web", "docs")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            servesApps(res, "web", "docs"),
			},
		},
	})
}

// restartWithNewAddress stops and starts an app's container through the
// API, as an admin would; the simulated DHCP hands it a new address.
func (e *testEnv) restartWithNewAddress(hostname string) {
	e.t.Helper()
	ctx := context.Background()
	guests, err := e.client.ClusterGuests(ctx)
	e.must(err)
	for _, g := range guests {
		if g.Name != hostname {
			continue
		}
		before, err := e.client.GuestIPv4(ctx, g.Node, g.VMID)
		e.must(err)
		e.must(e.client.StopGuest(ctx, g.Node, g.VMID))
		e.must(e.client.StartGuest(ctx, g.Node, g.VMID))
		after, err := e.client.GuestIPv4(ctx, g.Node, g.VMID)
		e.must(err)
		if after == before || after == "" {
			e.t.Fatalf("CT %d kept its address %s across a restart", g.VMID, before)
		}
		return
	}
	e.t.Fatalf("no container is named %s", hostname)
}

// destroyGateway stops and deletes the gateway container out of band.
func (e *testEnv) destroyGateway() {
	e.t.Helper()
	ctx := context.Background()
	guests, err := e.client.ClusterGuests(ctx)
	e.must(err)
	for _, g := range guests {
		for _, tag := range g.Tags {
			if tag == "px-gateway" {
				e.must(e.client.StopGuest(ctx, g.Node, g.VMID))
				e.must(e.client.DeleteGuest(ctx, g.Node, g.VMID))
				return
			}
		}
	}
	e.t.Fatal("no gateway container in the cluster")
}

// TestAccGatewayTenAppsInParallel creates a gateway and ten apps in one
// apply, none waiting for another: whichever sync runs last sees them all,
// and every app's route is served exactly once.
func TestAccGatewayTenAppsInParallel(t *testing.T) {
	e := newSimEnv(t, "")
	blocks := []fmt.Stringer{rawHCL(e.appProvider()), gatewayBlock("gw").str("node", "pve1")}
	var names []string
	for i := range 10 {
		name := "app" + strconv.Itoa(i)
		names = append(names, name)
		blocks = append(blocks, application(name, "nginx", name).num("memory", 128))
	}
	res := "proximity_gateway.gw"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(blocks...),
			},
			{
				// The next run's refresh reads what the gateway serves, and
				// the apps' URLs through it; nothing is left to change.
				Config:           config(blocks...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(10)),
				},
				Check: resource.ComposeTestCheckFunc(servesApps(res, names...), e.eachRouteOnce(names)),
			},
		},
	})
}

// eachRouteOnce checks the gateway's routes against the apps: one route
// per app, on its own public port, to its own container.
func (e *testEnv) eachRouteOnce(apps []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		seen := map[string]string{}
		for _, app := range apps {
			address := "proximity_application." + app
			public, err := attrOf(s, address, "public_port")
			if err != nil {
				return err
			}
			vmid, _ := attrOf(s, address, "vmid")
			if other, dup := seen[public]; dup {
				return fmt.Errorf("%s and %s share the public port %s", other, app, public)
			}
			seen[public] = app
			if got, err := attrOf(s, "proximity_gateway.gw", "routes."+public+".vmid"); err != nil || got != vmid {
				return fmt.Errorf("the gateway's route for %s (port %s) goes to CT %q, want %s (%v)", app, public, got, vmid, err)
			}
		}
		return nil
	}
}

// TestAccGatewayPublishAndInPlaceChanges covers publish (an app kept off
// the gateway, then put on it in place), the gateway's changes in place,
// and the plan-time refusal of a second gateway.
func TestAccGatewayPublishAndInPlaceChanges(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	gw := gatewayBlock("gw").str("node", "pve2")
	hidden := application("web", "nginx", "web").set("publish", "false").set("depends_on", "[proximity_gateway.gw]")
	app, res := hidden.address(), gw.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(block, gw, hidden),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app, tfjsonpath.New("publish"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("embed_url"), knownvalue.Null()),
					statecheck.CompareValuePairs(app, tfjsonpath.New("url"), app, tfjsonpath.New("direct_url"), compare.ValuesSame()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, gw, hidden),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(0)),
				},
			},
			{
				// Published in place, and the gateway's memory and hostname
				// changed in place.
				Config: config(block, gw.num("memory", 256).str("hostname", "edge"), hidden.set("publish", "true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: servesApps(res, "web"),
			},
			{
				Config: config(block, gw.num("memory", 256).str("hostname", "edge"), hidden.set("publish", "true")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(1)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("memory"), knownvalue.Int64Exact(256)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("hostname"), knownvalue.StringExact("edge")),
				},
			},
			{
				// A second gateway is refused before anything is made.
				Config: config(block, gw.num("memory", 256).str("hostname", "edge"), hidden.set("publish", "true"),
					gatewayBlock("second").str("node", "pve3")),
				ExpectError: errorLike(`CT \d+ on pve2 is already this cluster's Proximity gateway`),
			},
			{
				// A replacement (a new vmid) is not a second gateway: the old
				// one goes first, and the new one serves the app.
				Config: config(block, gw.num("memory", 256).str("hostname", "edge").num("vmid", 150), hidden.set("publish", "true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(150)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("routes"), knownvalue.MapSizeExact(1)),
				},
			},
			{
				Config:           config(block, gw.num("memory", 256).str("hostname", "edge").num("vmid", 150), hidden.set("publish", "true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            servesApps(res, "web"),
			},
			{
				// Stopped out of band, it serves nothing: the plan shows it
				// and the apply starts it and syncs.
				PreConfig: func() { e.must(e.client.StopGuest(context.Background(), "pve2", 150)) },
				Config:    config(block, gw.num("memory", 256).str("hostname", "edge").num("vmid", 150), hidden.set("publish", "true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:           config(block, gw.num("memory", 256).str("hostname", "edge").num("vmid", 150), hidden.set("publish", "true")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            servesApps(res, "web"),
			},
		},
	})
}

func TestAccGatewayNeedsSSH(t *testing.T) {
	e := newSimEnv(t, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      config(rawHCL(e.provider()), gatewayBlock("gw")),
			ExpectError: errorLike(`SSH is not configured`),
		}},
	})
}

// TestAccGatewayTemplateByNameAndImport: a template named by file name
// stays in that form (no perpetual replacement by its volid), and an
// imported gateway, whose template PVE does not keep, records the
// configured one in place instead of being replaced.
func TestAccGatewayTemplateByNameAndImport(t *testing.T) {
	e := newSimEnv(t, "")
	gw := gatewayBlock("gw").str("node", "pve1").str("template", "alpine-3.21-default_20241217_amd64.tar.xz")
	cfg := config(rawHCL(e.appProvider()), gw)
	res := gw.address()
	// The import's plan would replace the gateway if an unknown template
	// counted as another one.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				// The application's ip_config rule holds for the gateway.
				Config:      config(rawHCL(e.appProvider()), gw.set("ip_config", `{ address = "dhcp", gateway = "192.168.1.1" }`)),
				ExpectError: errorLike(`Gateway without a static address`),
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("template"), knownvalue.StringExact("alpine-3.21-default_20241217_amd64.tar.xz")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Forgotten (the container stays), then imported again.
				Config: config(rawHCL(e.appProvider()), forget(res)),
			},
			{
				Config: config(rawHCL(e.appProvider()), importBlock(res, "pve1/100"), gw),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
