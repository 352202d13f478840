package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func simClient(t *testing.T, sim *pvesim.Simulator) *pveclient.Client {
	t.Helper()
	info := sim.Info()
	c, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAccApplicationLifecycle(t *testing.T) {
	sim := newSim(t, "")
	block, file := appProviderBlock(t, sim)
	app := func(extra string) string {
		return block + `
resource "proximity_application" "web" {
  catalog_id  = "nginx"
  hostname    = "web"
` + extra + `
}
`
	}
	const res = "proximity_application.web"
	client := simClient(t, sim)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if guests, _ := client.ClusterGuests(context.Background()); len(guests) != 0 {
				return fmt.Errorf("%d containers left", len(guests))
			}
			if left := readAllocations(t, file); len(left) != 0 {
				return fmt.Errorf("%d allocations left", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      block + `resource "proximity_application" "x" {` + "\n" + `catalog_id = "nginx"` + "\n" + `hostname = "x"` + "\n" + `memory = 64` + "\n}",
				ExpectError: regexp.MustCompile(`NGINX needs at least 128 MB of memory`),
			},
			{
				Config:      app(`environment = { "1BAD" = "x" }`),
				ExpectError: regexp.MustCompile(`must be a variable name`),
			},
			{
				Config: app(`tags = ["web", "blue"]` + "\n" + `description = "front page"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("node"), knownvalue.StringExact("pve3")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("memory"), knownvalue.Int64Exact(128)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://10\.10\.\d+\.\d+:80$`))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log"), knownvalue.ListSizeExact(13)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: app(`tags = ["web"]` + "\n" + `description = "front"` + "\n" + `memory = 256` + "\n" + `environment = { NGINX_HOST = "example.com" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("memory"), knownvalue.Int64Exact(256)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
				},
			},
			{
				Config: app(`tags = ["web"]` + "\n" + `description = "front"` + "\n" + `memory = 256` + "\n" + `environment = { NGINX_HOST = "example.com" }` + "\n" + `status = "stopped"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Started out of band: the plan stops it again.
				PreConfig: func() {
					if err := client.StartGuest(context.Background(), "pve3", 100); err != nil {
						t.Fatal(err)
					}
				},
				Config:           app(`tags = ["web"]` + "\n" + `description = "front"` + "\n" + `memory = 256` + "\n" + `environment = { NGINX_HOST = "example.com" }` + "\n" + `status = "stopped"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)}},
			},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true, ImportStateId: "pve3/100",
				// What the container does not record: secrets, the template it came from, the last log.
				ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers", "ssh_public_keys"},
			},
			{
				// Deleted out of band: the plan creates it again.
				PreConfig: func() {
					if err := client.DeleteGuest(context.Background(), "pve3", 100); err != nil {
						t.Fatal(err)
					}
				},
				Config:             app(`tags = ["web"]` + "\n" + `description = "front"` + "\n" + `memory = 256` + "\n" + `environment = { NGINX_HOST = "example.com" }` + "\n" + `status = "stopped"`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Removing it from the configuration now deletes nothing (it is
				// gone); the refresh that found it gone released its ports.
				Config: block,
				Check: func(*terraform.State) error {
					if left := readAllocations(t, file); len(left) != 0 {
						return fmt.Errorf("the deleted application's ports are still allocated: %+v", left)
					}
					return nil
				},
			},
		},
	})
}

// TestAccApplicationMultiService deploys WordPress with MariaDB, restarts it
// through restart_triggers and grows its disk, all in place.
func TestAccApplicationMultiService(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	app := func(extra string) string {
		return block + `
resource "proximity_application" "blog" {
  catalog_id  = "wordpress"
  hostname    = "blog"
  node        = "pve2"
  environment = { DB_PASSWORD = "it's a $ecret" }
` + extra + `
}
`
	}
	const res = "proximity_application.blog"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      block + `resource "proximity_application" "x" {` + "\n" + `catalog_id = "nginx"` + "\n" + `hostname = "x"` + "\n" + `node = "pve7"` + "\n}",
				ExpectError: regexp.MustCompile(`node "pve7" is not in the cluster; nodes: pve1, pve2, pve3`),
			},
			{
				Config:      block + `resource "proximity_application" "x" {` + "\n" + `catalog_id = "nextclod"` + "\n" + `hostname = "x"` + "\n}",
				ExpectError: regexp.MustCompile(`The catalog has no app "nextclod". Closest ids: nextcloud`),
			},
			{
				Config:      block + `resource "proximity_application" "x" {` + "\n" + `catalog_id = "nginx"` + "\n" + `hostname = "x"` + "\n" + `template = "local:vztmpl/nosuch_1.0_amd64.tar.zst"` + "\n}",
				ExpectError: errorLike(`template local:vztmpl/nosuch_1.0_amd64.tar.zst is on no template storage of pve3, pve2, pve1 and aplinfo does not offer it`),
			},
			{
				Config: app(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("node"), knownvalue.StringExact("pve2")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log").AtSliceIndex(12).AtMapKey("message"), knownvalue.StringExact("wordpress, db running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(8)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: app(`restart_triggers = { release = "2" }` + "\n" + `disk_gb = 12`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(12)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log").AtSliceIndex(1).AtMapKey("step"), knownvalue.StringExact("compose restart")),
				},
			},
			{
				Config:      app(`restart_triggers = { release = "2" }` + "\n" + `disk_gb = 10`),
				ExpectError: regexp.MustCompile(`disk_gb is 12 GB and cannot go down to 10`),
			},
		},
	})
}

// TestAccApplicationsConcurrentApplies: 4 working directories apply 10
// applications each at the same time against one simulator: no VMID or port
// collision, all succeed.
func TestAccApplicationsConcurrentApplies(t *testing.T) {
	requireAcc(t)
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	const workdirs, apps = 4, 10
	var mu sync.Mutex
	vmids, ports := map[string]string{}, map[string]string{}
	var applied sync.WaitGroup
	applied.Add(workdirs)
	var started sync.WaitGroup
	for w := 0; w < workdirs; w++ {
		name := fmt.Sprintf("workdir-%d", w)
		config := block + fmt.Sprintf(`
resource "proximity_application" "a" {
  count      = %d
  catalog_id = "nginx"
  hostname   = "w%d-app${count.index}"
}
`, apps, w)
		started.Add(1)
		go func() {
			defer started.Done()
			t.Run(name, func(t *testing.T) {
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{Config: config, Check: func(s *terraform.State) error {
						defer func() { applied.Done(); waitGroupWithin(&applied, 3*time.Minute) }()
						mu.Lock()
						defer mu.Unlock()
						for addr, rs := range s.RootModule().Resources {
							who := name + "/" + addr
							for key, seen := range map[string]map[string]string{"vmid": vmids, "public_port": ports, "internal_port": ports} {
								v := rs.Primary.Attributes[key]
								if other, dup := seen[v]; dup {
									return fmt.Errorf("%s %s given to %s and %s", key, v, other, who)
								}
								seen[v] = who
							}
						}
						return nil
					}}},
				})
			})
		}()
	}
	started.Wait()
	if len(vmids) != workdirs*apps || len(ports) != 2*workdirs*apps {
		t.Errorf("%d VMIDs and %d ports for %d applications", len(vmids), len(ports), workdirs*apps)
	}
}
