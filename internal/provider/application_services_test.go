package provider

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationServicesDrift: a service stopped inside an app's
// container (docker compose stop db) and an app whose whole project was
// taken down (docker compose down) read as status = "degraded", with each
// service's state, so `terraform plan -detailed-exitcode` is not empty; the
// refresh of the three apps on two nodes makes one SSH session per node and
// writes nothing. The apply brings the services back (compose up, then the
// create's check), and the plan is empty after.
func TestAccApplicationServicesDrift(t *testing.T) {
	e := newSimEnv(t, "")
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "web.json"), twoServiceApp)
	a := application("a", "web", "web-a").str("node", "pve1")
	b := application("b", "web", "web-b").str("node", "pve1")
	c := application("c", "web", "web-c").str("node", "pve2")
	cfg := config(rawHCL(e.provider(withSSH(), withCatalogPaths(dir))), a, b, c)
	compose := func(hostname, args string) {
		g := guestNamed(t, e, hostname)
		if out, err := e.inContainer(g.Node, g.VMID, "docker compose -f /opt/proximity/web/compose.yaml -p web "+args); err != nil {
			t.Fatalf("compose %s in %s: %v: %s", args, hostname, err, out)
		}
	}
	running := servicesAre("running", "running")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("services"), running),
					statecheck.ExpectKnownValue(c.address(), tfjsonpath.New("services"), running),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					compose("web-a", "stop db")
					compose("web-c", "down")
					e.sim.ResetStats()
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						st := e.sim.Stats()
						if want := map[string]int{"pve1": 1, "pve2": 1}; !maps.Equal(st.SSHSessions, want) {
							return fmt.Errorf("the refresh made SSH sessions %v, want %v", st.SSHSessions, want)
						}
						if len(st.Writes) != 0 {
							return fmt.Errorf("the refresh wrote %v", st.Writes)
						}
						return nil
					},
					resource.TestCheckResourceAttr(a.address(), "status", "degraded"),
					resource.TestCheckResourceAttr(a.address(), "services.0.state", "running"),
					resource.TestCheckResourceAttr(a.address(), "services.1.name", "db"),
					resource.TestCheckResourceAttr(a.address(), "services.1.state", "exited"),
					resource.TestCheckResourceAttr(b.address(), "status", "running"),
					resource.TestCheckResourceAttr(c.address(), "status", "degraded"),
					resource.TestCheckResourceAttr(c.address(), "services.0.state", "missing"),
					resource.TestCheckNoResourceAttr(c.address(), "services.0.image"),
				),
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(a.address(), plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(b.address(), plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(c.address(), plancheck.ResourceActionUpdate),
				}},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						statusChange{a.address(), "degraded", "running"}, statusChange{c.address(), "degraded", "running"},
						plancheck.ExpectUnknownValue(a.address(), tfjsonpath.New("services")),
						plancheck.ExpectKnownValue(a.address(), tfjsonpath.New("ip_address"), knownvalue.NotNull()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("services"), running),
					statecheck.ExpectKnownValue(c.address(), tfjsonpath.New("services"), running),
				},
			},
		},
	})
}

// twoServiceApp is a user catalog app of two services, web (the main one)
// and db, with no environment.
const twoServiceApp = `{"id": "web", "name": "Web", "category": "Web Server", "ports": [80],
  "docker_compose": {"services": {
    "web": {"image": "nginx:1.27.4-alpine", "restart": "unless-stopped", "ports": ["80:80"]},
    "db": {"image": "redis:7", "restart": "unless-stopped"}}}}`

// servicesAre matches a services list whose services are in these states.
func servicesAre(states ...string) knownvalue.Check {
	elems := make([]knownvalue.Check, len(states))
	for i, s := range states {
		elems[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"state": knownvalue.StringExact(s)})
	}
	return knownvalue.ListExact(elems)
}

// statusChange checks that a plan changes a resource's status from one
// value to another (what `terraform plan` shows as drift).
type statusChange struct{ address, from, to string }

func (s statusChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != s.address {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		if before["status"] != s.from || after["status"] != s.to {
			resp.Error = fmt.Errorf("%s: status %v -> %v, want %s -> %s", s.address, before["status"], after["status"], s.from, s.to)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", s.address)
}
