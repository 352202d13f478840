package provider

import (
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

const nodesConfig = `
data "proximity_nodes" "all" {}

output "names" {
  value = [for n in data.proximity_nodes.all.nodes : n.name]
}
`

func nodeAttr(i int, name string) tfjsonpath.Path {
	return tfjsonpath.New("nodes").AtSliceIndex(i).AtMapKey(name)
}

func TestAccNodesDataSource(t *testing.T) {
	e := newSimEnv(t, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "name"), knownvalue.StringExact("pve1")),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "online"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(2, "memory_total"), knownvalue.Int64Exact(64<<30)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "memory_free"), knownvalue.Int64Exact(14<<30)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(1, "cpus"), knownvalue.Int64Exact(8)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("id"), knownvalue.StringExact(e.sim.Endpoint())),
					statecheck.ExpectKnownOutputValue("names", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("pve1"), knownvalue.StringExact("pve2"), knownvalue.StringExact("pve3"),
					})),
				},
			},
			{
				// A guest started out of band takes memory; the next read shows it.
				PreConfig: func() {
					req := plainContainer(pveclient.ContainerSettings{Memory: 2048})
					req.Start = true
					e.createGuest("pve1", 900, req)
				},
				Config: e.provider() + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "memory_free"), knownvalue.Int64Exact(12<<30)),
				},
			},
		},
	})
}

func TestAccPasswordLogin(t *testing.T) {
	e := newSimEnv(t, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: e.provider(withPasswordLogin(), withRetry(nil)) + nodesConfig,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
				// A ticket login happened.
				expectRequests(e, "POST /access/ticket", int64AtLeast(1)),
			},
		}},
	})
}

func TestAccConnectionErrors(t *testing.T) {
	e := newSimEnv(t, "")
	untrusted := e.provider(withoutCA(), withRetry(&retryPolicy{MaxAttempts: 2, MinBackoff: "1ms", MaxBackoff: "2ms"}))
	wrongToken := e.provider(withAPIToken("root@pam!proximity=wrong"), withRetry(nil))
	unreachable := renderProvider(t, providerBlockSettings{
		Endpoint: "https://127.0.0.1:1", APIToken: "a@pam!b=c",
		Retry: &retryPolicy{MaxAttempts: 2, MinBackoff: "1ms", MaxBackoff: "2ms"},
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: untrusted + nodesConfig, ExpectError: errorLike(`the TLS certificate of https://127.0.0.1:\d+ is not trusted .* set ca_cert_pem`)},
			{Config: wrongToken + nodesConfig, ExpectError: errorLike(`refused the API token root@pam!proximity`)},
			{
				Config:      unreachable + nodesConfig,
				ExpectError: errorLike(`cannot reach the Proxmox API at https://127.0.0.1:1: the connection was refused .* check endpoint`),
			},
			{
				// No provider here: the requests counted are the steps' above.
				// The 401 was not retried.
				Config:            `output "done" { value = true }`,
				ConfigStateChecks: []statecheck.StateCheck{expectRequests(e, http.MethodGet+" /nodes", knownvalue.Int64Exact(1))},
			},
		},
	})
}

// TestAccSilentAPIIsBoundedByTheReadTimeout: a data source whose API never
// answers ends at its timeouts.read, not after minutes of retries.
func TestAccSilentAPIIsBoundedByTheReadTimeout(t *testing.T) {
	e := newSimEnv(t, "latency:GET /nodes=100000s")
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      config(rawHCL(e.provider()), dataBlock("proximity_nodes", "all").set("timeouts", `{ read = "2s" }`)),
			ExpectError: errorLike(`Unable to list Proxmox nodes .* context deadline exceeded`),
		}},
	})
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the plan took %s", d)
	}
}
