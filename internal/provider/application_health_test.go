package provider

import (
	"fmt"
	"maps"
	"path/filepath"
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

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestAccApplicationHealthCheck: health_check = {} checks the catalog's
// path ("/", which nginx serves) at create, as a step, and reads
// health = "GET /: HTTP/1.1 200 OK". The main service stopped out of band
// refuses the connection: the refresh (one SSH session per node, nothing
// written) reads status = "degraded" with busybox wget's answer in health,
// and the apply brings it back, the plan empty after. An import reads the
// check back from the container, and a path changed there out of band is
// drift that the apply puts back. A path the app does not serve fails the
// apply, naming the path and nginx's 404; a path that is not one fails the
// plan.
func TestAccApplicationHealthCheck(t *testing.T) {
	e := newSimEnv(t, "")
	defer func(old time.Duration) { deploy.HealthWait = old }(deploy.HealthWait)
	deploy.HealthWait = time.Second // the failing check's wait
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "web.json"), twoServiceApp)
	a := application("a", "web", "web-a").str("node", "pve1").set("health_check", "{}")
	b := application("b", "web", "web-b").str("node", "pve1")
	prov := rawHCL(e.provider(withSSH(), withCatalogPaths(dir)))
	cfg := config(prov, a, b)
	ok := knownvalue.StringExact("GET /: HTTP/1.1 200 OK")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(prov, a.set("health_check", `{ path = "status page" }`)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`health_check.path "status page" must start with "/"`),
			},
			{
				Config: cfg,
				Check:  hasStep(a.address(), "0001", "health check", "GET /: HTTP/1.1 200 OK"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("health"), ok),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.Null()),
					statecheck.ExpectKnownValue(b.address(), tfjsonpath.New("health"), knownvalue.Null()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					g := guestNamed(t, e, "web-a")
					if out, err := e.inContainer(g.Node, g.VMID, "docker compose -f /opt/proximity/web/compose.yaml -p web stop web"); err != nil {
						t.Fatalf("compose stop: %v: %s", err, out)
					}
					e.sim.ResetStats()
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						st := e.sim.Stats()
						if want := map[string]int{"pve1": 1}; !maps.Equal(st.SSHSessions, want) {
							return fmt.Errorf("the refresh made SSH sessions %v, want %v", st.SSHSessions, want)
						}
						if len(st.Writes) != 0 {
							return fmt.Errorf("the refresh wrote %v", st.Writes)
						}
						return nil
					},
					resource.TestCheckResourceAttr(a.address(), "status", "degraded"),
					resource.TestCheckResourceAttr(a.address(), "health", "GET /: can't connect to remote host (127.0.0.1): Connection refused"),
					resource.TestCheckResourceAttr(b.address(), "status", "running"),
				),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						statusChange{a.address(), "degraded", "running"},
						plancheck.ExpectUnknownValue(a.address(), tfjsonpath.New("health")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("health"), ok),
				},
			},
			{
				ResourceName: a.address(), ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importID(a.address()),
				ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers",
					"ssh_public_keys", "generated_secrets"},
			},
			{
				// The path changed in the container out of band is drift.
				PreConfig: func() {
					g := guestNamed(t, e, "web-a")
					if out, err := e.inContainer(g.Node, g.VMID, "echo /index.html > /opt/proximity/web/health-path"); err != nil {
						t.Fatalf("%v: %s", err, out)
					}
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(a.address(), "health_check.path", "/index.html"),
					resource.TestCheckResourceAttr(a.address(), "health", "GET /index.html: HTTP/1.1 200 OK"),
					resource.TestCheckResourceAttr(a.address(), "status", "running"),
				),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(a.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("health"), ok),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.Null()),
				},
			},
			{
				Config:      config(prov, a.set("health_check", `{ path = "/missing" }`), b),
				ExpectError: regexp.MustCompile(`the health check of web failed: GET /missing: HTTP/1.1 404\s+Not Found`),
			},
		},
	})
}

// importID is the import ID (node/vmid) of a resource in the state.
func importID(address string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return "", fmt.Errorf("%s is not in the state", address)
		}
		return rs.Primary.ID, nil
	}
}

// hasStep checks that an operation of a resource's deployment_log has a
// step whose text holds each of parts.
func hasStep(address, operation string, parts ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s is not in the state", address)
		}
		prefix := "deployment_log." + operation + ".steps."
		var steps []string
		for k, v := range rs.Primary.Attributes {
			if strings.HasPrefix(k, prefix) && !strings.HasSuffix(k, "#") {
				steps = append(steps, v)
			}
		}
	next:
		for _, step := range steps {
			for _, p := range parts {
				if !strings.Contains(step, p) {
					continue next
				}
			}
			return nil
		}
		return fmt.Errorf("%s: no step of operation %s holds %q: %q", address, operation, parts, steps)
	}
}
