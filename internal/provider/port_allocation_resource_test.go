package provider

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
)

func TestAccPortAllocationLifecycle(t *testing.T) {
	e := newSimEnv(t, "")
	file := e.allocationFile
	webAlloc := portAllocation("web")
	db := portAllocation("db").str("owner", "db").set("depends_on", "[proximity_port_allocation.web]")
	two := func(owner string) string {
		return config(rawHCL(e.provider(withAllocationFile())), webAlloc.str("owner", owner), db)
	}
	web := webAlloc.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectAllocationCount(file, 0)),
		Steps: []resource.TestStep{
			{
				Config: two("web"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(web, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(web, tfjsonpath.New("internal_port"), knownvalue.Int64Exact(9100)),
					statecheck.ExpectKnownValue(db.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8101)),
					statecheck.ExpectKnownValue(web, tfjsonpath.New("owner"), knownvalue.StringExact("web")),
					expectAllocationCount(file, 2),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The owner changes in place, keeping the ports.
				Config: two("website"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(web, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(web, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(web, tfjsonpath.New("owner"), knownvalue.StringExact("website")),
				},
			},
			{
				ResourceName: web, ImportState: true, ImportStateVerify: true, ImportStateId: "8100",
			},
			{
				// The file lost the entries (say, deleted by hand): a plan only
				// reads, so the file stays gone, and says the apply puts them back.
				PreConfig:          func() { e.must(os.Remove(file)) },
				Config:             two("website"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The apply puts them back in place, with their ports.
				PreConfig: func() {
					if _, err := os.Stat(file); !os.IsNotExist(err) {
						t.Errorf("%s exists after the plan (%v): the plan wrote it", file, err)
					}
				},
				Config: two("website"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectAllocationCount(file, 2), expectAllocationPair(file, 8100, 9100, "website")},
			},
			{
				// Someone edits the owner in the file: the plan puts it back in place.
				PreConfig: func() {
					raw, _ := os.ReadFile(file)
					e.must(os.WriteFile(file, []byte(strings.Replace(string(raw), `"owner":"website"`, `"owner":"edited by hand"`, 1)), 0o600))
				},
				Config: two("website"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(web, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{expectAllocationPair(file, 8100, 9100, "website")},
			},
			{
				ResourceName: web, ImportState: true, ImportStateId: "8999",
				ExpectError: errorLike(`no allocation holds public port 8999 in ` + file),
			},
		},
	})
}

func TestAccPortAllocationRequested(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.provider(withAllocationFile()))
	a := portAllocation("a").num("public_port", 8123).str("owner", "gitea")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(block, portAllocation("x").num("public_port", 80)),
				ExpectError: errorLike(`public_port 80 is outside public_port_range 8100-8999; request a port in the range or widen public_port_range`),
			},
			{
				Config: config(block, a),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8123)),
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("internal_port"), knownvalue.Int64Exact(9100)),
				},
			},
			{
				Config:      config(block, a, portAllocation("b").num("public_port", 8123)),
				ExpectError: errorLike(`public port 8123 is already allocated to "gitea" \(allocation pa-[0-9a-f]+\)`),
			},
		},
	})
}

// TestAccPortAllocationHostStore keeps the table on the simulated cluster file system.
func TestAccPortAllocationHostStore(t *testing.T) {
	e := newSimEnv(t, "")
	a := portAllocation("a").str("owner", "on the cluster")
	usage := dataBlock("proximity_port_usage", "u").set("depends_on", "[proximity_port_allocation.a]")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.provider(withSSH())), a, usage),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
				statecheck.ExpectKnownValue(usage.address(), tfjsonpath.New("public"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"from": knownvalue.Int64Exact(8100), "to": knownvalue.Int64Exact(8999), "used": knownvalue.Int64Exact(1), "free": knownvalue.Int64Exact(899),
				})),
				statecheck.ExpectKnownValue(usage.address(), tfjsonpath.New("id"), knownvalue.StringExact(allocstore.HostFile+" on the cluster")),
				expectNodeFile(e, "pve2", allocstore.HostFile, containing(`"owner":"on the cluster"`)),
			},
		}},
	})
}

// TestAccConcurrentApplies: separate working directories apply at the same
// time against one store; every pair they get is distinct. Both stores.
func TestAccConcurrentApplies(t *testing.T) {
	requireAcc(t)
	for _, store := range []string{"local", "host"} {
		t.Run(store, func(t *testing.T) {
			e := newSimEnv(t, "")
			block := e.provider(withAllocationFile())
			if store == "host" {
				block = e.provider(withSSH())
			}
			var mu sync.Mutex
			seen := map[int64]string{}
			// Every working directory holds its pairs until all have applied,
			// so that the pairs compared were all allocated at the same time.
			const workdirs, pairs = 3, 6
			var applied sync.WaitGroup
			applied.Add(workdirs)
			collect := func(name string) func(*terraform.State) error {
				return func(s *terraform.State) error {
					defer func() {
						applied.Done()
						waitGroupWithin(&applied, 2*time.Minute)
					}()
					mu.Lock()
					defer mu.Unlock()
					for addr, rs := range s.RootModule().Resources {
						for _, key := range []string{"public_port", "internal_port"} {
							var port int64
							if _, err := fmt.Sscan(rs.Primary.Attributes[key], &port); err != nil {
								return fmt.Errorf("%s of %s: %w", key, name+"/"+addr, err)
							}
							if other, dup := seen[port]; dup {
								return fmt.Errorf("port %d given to %s and %s", port, other, name+"/"+addr)
							}
							seen[port] = name + "/" + addr
						}
					}
					return nil
				}
			}
			cfg := config(rawHCL(block), portAllocation("p").num("count", pairs))
			// Subtests started from goroutines run at once, whatever -parallel says.
			var started sync.WaitGroup
			for i := 0; i < workdirs; i++ {
				name := fmt.Sprintf("workdir-%d", i)
				started.Add(1)
				go func() {
					defer started.Done()
					t.Run(name, func(t *testing.T) {
						resource.Test(t, resource.TestCase{
							ProtoV6ProviderFactories: providerFactories,
							Steps:                    []resource.TestStep{{Config: cfg, Check: collect(name)}},
						})
					})
				}()
			}
			started.Wait()
			if len(seen) != workdirs*pairs*2 {
				t.Errorf("%d distinct ports recorded, want %d", len(seen), workdirs*pairs*2)
			}
		})
	}
}
