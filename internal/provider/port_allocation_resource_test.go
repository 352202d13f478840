package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func readAllocations(t *testing.T, file string) []allocstore.Allocation {
	t.Helper()
	raw, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var tb allocstore.Table
	if err := json.Unmarshal(raw, &tb); err != nil {
		t.Fatalf("allocation file: %v", err)
	}
	return tb.Allocations
}

func TestAccPortAllocationLifecycle(t *testing.T) {
	sim := newSim(t, "")
	file := filepath.Join(t.TempDir(), "allocations.json")
	block := providerBlock(sim, fmt.Sprintf("allocation_file = %q", file))
	two := func(owner string) string {
		return block + fmt.Sprintf(`
resource "proximity_port_allocation" "web" { owner = %q }
resource "proximity_port_allocation" "db" {
  owner      = "db"
  depends_on = [proximity_port_allocation.web]
}
`, owner)
	}
	const web = "proximity_port_allocation.web"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if left := readAllocations(t, file); len(left) != 0 {
				return fmt.Errorf("%d allocations left after destroy: %+v", len(left), left)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: two("web"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(web, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(web, tfjsonpath.New("internal_port"), knownvalue.Int64Exact(9100)),
					statecheck.ExpectKnownValue("proximity_port_allocation.db", tfjsonpath.New("public_port"), knownvalue.Int64Exact(8101)),
					statecheck.ExpectKnownValue(web, tfjsonpath.New("owner"), knownvalue.StringExact("web")),
				},
				Check: func(*terraform.State) error {
					if n := len(readAllocations(t, file)); n != 2 {
						return fmt.Errorf("the allocation file holds %d allocations", n)
					}
					return nil
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
				// The file lost the entry (say, deleted by hand): the next refresh puts it back.
				PreConfig: func() {
					if err := os.Remove(file); err != nil {
						t.Fatal(err)
					}
				},
				Config:           two("website"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if n := len(readAllocations(t, file)); n != 2 {
						return fmt.Errorf("after healing the file holds %d allocations", n)
					}
					return nil
				},
			},
			{
				// Someone edits the owner in the file: the plan puts it back in place.
				PreConfig: func() {
					raw, _ := os.ReadFile(file)
					if err := os.WriteFile(file, []byte(strings.Replace(string(raw), `"owner":"website"`, `"owner":"edited by hand"`, 1)), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: two("website"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(web, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if raw, _ := os.ReadFile(file); !strings.Contains(string(raw), `"owner":"website"`) {
						return fmt.Errorf("owner not restored: %s", raw)
					}
					return nil
				},
			},
			{
				ResourceName: web, ImportState: true, ImportStateId: "8999",
				ExpectError: errorLike(`no allocation holds public port 8999 in ` + file),
			},
		},
	})
}

func TestAccPortAllocationRequested(t *testing.T) {
	sim := newSim(t, "")
	file := filepath.Join(t.TempDir(), "allocations.json")
	block := providerBlock(sim, fmt.Sprintf("allocation_file = %q", file))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      block + `resource "proximity_port_allocation" "x" { public_port = 80 }`,
				ExpectError: errorLike(`public_port 80 is outside public_port_range 8100-8999; request a port in the range or widen public_port_range`),
			},
			{
				Config: block + `
resource "proximity_port_allocation" "a" {
  public_port = 8123
  owner       = "gitea"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("proximity_port_allocation.a", tfjsonpath.New("public_port"), knownvalue.Int64Exact(8123)),
					statecheck.ExpectKnownValue("proximity_port_allocation.a", tfjsonpath.New("internal_port"), knownvalue.Int64Exact(9100)),
				},
			},
			{
				Config: block + `
resource "proximity_port_allocation" "a" {
  public_port = 8123
  owner       = "gitea"
}
resource "proximity_port_allocation" "b" { public_port = 8123 }
`,
				ExpectError: errorLike(`public port 8123 is already allocated to "gitea" \(allocation pa-[0-9a-f]+\)`),
			},
		},
	})
}

// TestAccPortAllocationHostStore keeps the table on the simulated cluster file system.
func TestAccPortAllocationHostStore(t *testing.T) {
	sim := newSim(t, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, sshBlock(sim)) + `
resource "proximity_port_allocation" "a" { owner = "on the cluster" }
data "proximity_port_usage" "u" { depends_on = [proximity_port_allocation.a] }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("proximity_port_allocation.a", tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
				statecheck.ExpectKnownValue("data.proximity_port_usage.u", tfjsonpath.New("public"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"from": knownvalue.Int64Exact(8100), "to": knownvalue.Int64Exact(8999), "used": knownvalue.Int64Exact(1), "free": knownvalue.Int64Exact(899),
				})),
				statecheck.ExpectKnownValue("data.proximity_port_usage.u", tfjsonpath.New("id"), knownvalue.StringExact(allocstore.HostFile+" on the cluster")),
			},
			Check: func(*terraform.State) error {
				var out strings.Builder
				sim.RunOnNode(context.Background(), "pve2", "cat "+allocstore.HostFile, nil, &out, &out)
				if !strings.Contains(out.String(), `"owner":"on the cluster"`) {
					return fmt.Errorf("cluster file: %s", out.String())
				}
				return nil
			},
		}},
	})
}

func waitGroupWithin(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func sshBlock(sim *pvesim.Simulator) string {
	info := sim.Info()
	nodes := ""
	for _, n := range info.Nodes {
		nodes += fmt.Sprintf("%s = %q, ", n, info.SSHNodes[n])
	}
	return fmt.Sprintf("ssh = {\n  private_key = <<-EOT\n%s\nEOT\n  host_key = %q\n  nodes = { %s }\n}\n", info.SSHPrivateKey, info.SSHHostKey, nodes)
}

// TestAccConcurrentApplies: separate working directories apply at the same
// time against one store; every pair they get is distinct. Both stores.
func TestAccConcurrentApplies(t *testing.T) {
	requireAcc(t)
	for _, store := range []string{"local", "host"} {
		t.Run(store, func(t *testing.T) {
			sim := newSim(t, "")
			extra := fmt.Sprintf("allocation_file = %q", filepath.Join(t.TempDir(), "allocations.json"))
			if store == "host" {
				extra = sshBlock(sim)
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
							fmt.Sscan(rs.Primary.Attributes[key], &port)
							if other, dup := seen[port]; dup {
								return fmt.Errorf("port %d given to %s and %s", port, other, name+"/"+addr)
							}
							seen[port] = name + "/" + addr
						}
					}
					return nil
				}
			}
			config := providerBlock(sim, extra) + fmt.Sprintf(`resource "proximity_port_allocation" "p" { count = %d }`, pairs)
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
							Steps:                    []resource.TestStep{{Config: config, Check: collect(name)}},
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
