package provider

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// healthcheckApp is a user catalog app whose main service (hc) has a Docker
// healthcheck probed every simulated second, and a cache without one.
const healthcheckApp = `{"id": "hc", "name": "HC", "category": "Web Server", "ports": [80],
  "docker_compose": {"services": {
    "hc": {"image": "nginx:1.27.4-alpine", "restart": "unless-stopped", "ports": ["80:80"],
            "healthcheck": {"test": ["CMD", "true"], "interval": "1s"}},
    "cache": {"image": "redis:7", "restart": "unless-stopped"}}}}`

// TestAccApplicationUnhealthyService: a service whose process hangs out of
// band keeps running while its healthcheck turns unhealthy; the refresh
// reads health = "unhealthy" and status = "degraded", so the plan is not
// empty. compose up alone would leave the running container as it is; the
// apply restarts it, and the plan is empty after.
func TestAccApplicationUnhealthyService(t *testing.T) {
	e := newSimEnv(t, "")
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "hc.json"), healthcheckApp)
	a := application("a", "hc", "hc-a")
	cfg := config(rawHCL(e.provider(withSSH(), withCatalogPaths(dir))), a)
	healthIs := func(web, cache knownvalue.Check) knownvalue.Check {
		return knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectPartial(map[string]knownvalue.Check{"state": knownvalue.StringExact("running"), "health": web}),
			knownvalue.ObjectPartial(map[string]knownvalue.Check{"state": knownvalue.StringExact("running"), "health": cache}),
		})
	}
	healthy := healthIs(knownvalue.StringExact("healthy"), knownvalue.Null())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("services"), healthy)},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					g := guestNamed(t, e, "hc-a")
					e.must(e.sim.HangService(g.VMID, "hc", "hc"))
					// Unhealthy after 3 failed probes, one simulated second apart.
					waitUntil(t, "hc turns unhealthy", func() bool {
						out, err := e.inContainer(g.Node, g.VMID, "docker ps --format '{{.Status}}'")
						return err == nil && strings.Contains(out, "(unhealthy)")
					})
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(a.address(), "status", "degraded"),
					resource.TestCheckResourceAttr(a.address(), "services.0.state", "running"),
					resource.TestCheckResourceAttr(a.address(), "services.0.health", "unhealthy"),
					resource.TestCheckNoResourceAttr(a.address(), "services.1.health"),
				),
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(a.address(), plancheck.ResourceActionUpdate),
				}},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{statusChange{a.address(), "degraded", "running"}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("services"), healthy),
				},
			},
		},
	})
}

// waitUntil polls cond for up to 10 s, failing the test when it never holds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}
