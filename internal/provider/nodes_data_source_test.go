package provider

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
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
	sim := newSim(t, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(sim, "") + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "name"), knownvalue.StringExact("pve1")),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "online"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(2, "memory_total"), knownvalue.Int64Exact(64<<30)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "memory_free"), knownvalue.Int64Exact(14<<30)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(1, "cpus"), knownvalue.Int64Exact(8)),
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("id"), knownvalue.StringExact(sim.Endpoint())),
					statecheck.ExpectKnownOutputValue("names", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("pve1"), knownvalue.StringExact("pve2"), knownvalue.StringExact("pve3"),
					})),
				},
			},
			{
				// A guest started out of band takes memory; the next read shows it.
				PreConfig: func() { startGuestOutOfBand(t, sim, "pve1", 2048) },
				Config:    providerBlock(sim, "") + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", nodeAttr(0, "memory_free"), knownvalue.Int64Exact(12<<30)),
				},
			},
		},
	})
}

// startGuestOutOfBand creates and starts a container the way another tool would.
func startGuestOutOfBand(t *testing.T, sim *pvesim.Simulator, node string, memoryMB int) {
	t.Helper()
	info := sim.Info()
	c, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateGuest(context.Background(), node, 900, map[string]any{
		"ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz",
		"rootfs":     "local-lvm:2", "memory": memoryMB, "start": 1,
	}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAccPasswordLogin(t *testing.T) {
	sim := newSim(t, "")
	info := sim.Info()
	config := fmt.Sprintf(`
provider "proximity" {
  endpoint    = %q
  username    = "root@pam"
  password    = %q
  ca_cert_pem = %q
}
`, info.Endpoint, info.Password, info.CACertPEM) + nodesConfig
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
			},
		}},
	})
	if n := sim.Stats().Requests["POST /access/ticket"]; n == 0 {
		t.Error("no ticket login happened")
	}
}

func TestAccConnectionErrors(t *testing.T) {
	sim := newSim(t, "")
	info := sim.Info()
	untrusted := fmt.Sprintf("provider \"proximity\" {\n  endpoint = %q\n  api_token = %q\n  retry = { max_attempts = 2, min_backoff = \"1ms\", max_backoff = \"2ms\" }\n}\n", info.Endpoint, info.PVEAdminAPIToken)
	wrongToken := fmt.Sprintf("provider \"proximity\" {\n  endpoint = %q\n  api_token = \"root@pam!proximity=wrong\"\n  ca_cert_pem = %q\n}\n", info.Endpoint, info.CACertPEM)
	unreachable := "provider \"proximity\" {\n  endpoint = \"https://127.0.0.1:1\"\n  api_token = \"a@pam!b=c\"\n  retry = { max_attempts = 2, min_backoff = \"1ms\", max_backoff = \"2ms\" }\n}\n"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: untrusted + nodesConfig, ExpectError: errorLike(`the TLS certificate of https://127.0.0.1:\d+ is not trusted .* set ca_cert_pem`)},
			{Config: wrongToken + nodesConfig, ExpectError: errorLike(`refused the API token root@pam!proximity`)},
			{Config: unreachable + nodesConfig, ExpectError: errorLike(`cannot reach the Proxmox API at https://127.0.0.1:1 after 2 attempts`)},
		},
	})
	if n := sim.Stats().Requests[http.MethodGet+" /nodes"]; n != 1 {
		t.Errorf("the 401 was sent %d times; it must not be retried", n)
	}
	_ = pvesim.Info{}
}

// TestAccSilentAPIIsBoundedByTheReadTimeout: a data source whose API never
// answers ends at its timeouts.read, not after minutes of retries.
func TestAccSilentAPIIsBoundedByTheReadTimeout(t *testing.T) {
	sim := newSim(t, "latency:GET /nodes=100000s")
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      providerBlock(sim, "") + "data \"proximity_nodes\" \"all\" {\n  timeouts = { read = \"2s\" }\n}\n",
			ExpectError: errorLike(`Unable to list Proxmox nodes .* context deadline exceeded`),
		}},
	})
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the plan took %s", d)
	}
}
