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
)

func TestAccApplicationLifecycle(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web")
	updated := web.set("tags", `["web"]`).str("description", "front").num("memory", 256).set("environment", `{ NGINX_HOST = "example.com" }`)
	stopped := updated.str("status", "stopped")
	res := web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config:      config(block, application("x", "nginx", "x").num("memory", 64)),
				ExpectError: regexp.MustCompile(`NGINX needs at least 128 MB of memory`),
			},
			{
				Config:      config(block, web.set("environment", `{ "1BAD" = "x" }`)),
				ExpectError: regexp.MustCompile(`must be a variable name`),
			},
			{
				Config: config(block, web.set("tags", `["web", "blue"]`).str("description", "front page")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("node"), knownvalue.StringExact("pve3")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("memory"), knownvalue.Int64Exact(128)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://(\d+\.){3}\d+:80$`))),
					expectOperations(res, 1, "create"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log").AtMapKey("0001").AtMapKey("steps"), knownvalue.ListSizeExact(13)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, updated),
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
				Config: config(block, stopped),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Started out of band: the plan stops it again.
				PreConfig:        func() { e.must(e.client.StartGuest(context.Background(), "pve3", 100)) },
				Config:           config(block, stopped),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)}},
			},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true, ImportStateId: "pve3/100",
				// What the container does not record: secrets, the template it came from, the last log.
				ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers", "ssh_public_keys"},
			},
			{
				// Deleted out of band: the plan creates it again.
				PreConfig:          func() { e.must(e.client.DeleteGuest(context.Background(), "pve3", 100)) },
				Config:             config(block, stopped),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Removing it from the configuration now deletes nothing (it is
				// gone); the refresh that found it gone released its ports.
				Config:            config(block),
				ConfigStateChecks: []statecheck.StateCheck{expectAllocationCount(e.allocationFile, 0)},
			},
		},
	})
}

// TestAccApplicationMultiService deploys WordPress with MariaDB, restarts it
// through restart_triggers and grows its disk, all in place.
func TestAccApplicationMultiService(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	blog := application("blog", "wordpress", "blog").str("node", "pve2").set("environment", `{ DB_PASSWORD = "it's a $ecret" }`)
	res := blog.address()
	x := application("x", "nginx", "x")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(block, x.str("node", "pve7")),
				ExpectError: regexp.MustCompile(`node "pve7" is not in the cluster; nodes: pve1, pve2, pve3`),
			},
			{
				Config:      config(block, x.str("catalog_id", "nextclod")),
				ExpectError: regexp.MustCompile(`The catalog has no app "nextclod". Closest ids: nextcloud`),
			},
			{
				Config: config(block, x.str("template", "local:vztmpl/debian-12-standard_12.99-1_amd64.tar.zst")),
				ExpectError: errorLike(`template local:vztmpl/debian-12-standard_12.99-1_amd64.tar.zst is on no template storage of pve3, pve2, pve1 ` +
					`and aplinfo does not offer it`),
			},
			{
				Config: config(block, blog),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("node"), knownvalue.StringExact("pve2")),
					expectStep(res, 1, 12, "check services", "wordpress, db running"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(8)),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, blog.set("restart_triggers", `{ release = "2" }`).num("disk_gb", 12)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(12)),
					expectStepRan(res, 2, "compose restart"),
				},
			},
			{
				Config:      config(block, blog.set("restart_triggers", `{ release = "2" }`).num("disk_gb", 10)),
				ExpectError: errorLike(`disk_gb: the disk is 12 GB and was asked to be 12 GB; it cannot go down to 10 GB`),
			},
		},
	})
}

// TestAccApplicationsConcurrentApplies: 4 working directories apply 10
// applications each at the same time against one simulator: no VMID or port
// collision, all succeed.
func TestAccApplicationsConcurrentApplies(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	const workdirs, apps = 4, 10
	var mu sync.Mutex
	vmids, ports := map[string]string{}, map[string]string{}
	var applied sync.WaitGroup
	applied.Add(workdirs)
	var started sync.WaitGroup
	for w := 0; w < workdirs; w++ {
		name := fmt.Sprintf("workdir-%d", w)
		cfg := config(block, resourceBlock("proximity_application", "a").
			num("count", apps).str("catalog_id", "nginx").set("hostname", fmt.Sprintf(`"w%d-app${count.index}"`, w)))
		started.Add(1)
		go func() {
			defer started.Done()
			t.Run(name, func(t *testing.T) {
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{Config: cfg, Check: func(s *terraform.State) error {
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
