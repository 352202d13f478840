package provider

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestAccApplicationReachesNodesByAddress runs against a PVE 9.1 cluster
// whose nodes have names of their own and their own addresses, all with SSH
// on port 22's stand-in, as a real cluster is: the provider is given no
// per-node SSH addresses, so it must find each node's IP in /cluster/status
// (for the deployment and for the allocation table on pmxcfs). The
// container lives on beta alone, so a command sent to the wrong address
// could not have started its services.
func TestAccApplicationReachesNodesByAddress(t *testing.T) {
	requireAcc(t)
	port := freePortOn(t, "127.0.0.2")
	sim := pvesimtest.Start(t, pvesim.Options{
		TimeScale: 0.01, PVEVersion: "9.1",
		NodeNames: []string{"alpha", "beta"}, NodeAddresses: []string{"127.0.0.2", "127.0.0.3"},
		SSHListen: fmt.Sprintf("127.0.0.1:%d", port),
	})
	info := sim.Info()
	client := simClient(t, sim)
	ssh := fmt.Sprintf("ssh = {\n  private_key = <<-EOT\n%s\nEOT\n  host_key = %q\n  port = %d\n}\n", info.SSHPrivateKey, info.SSHHostKey, port)
	config := providerBlock(sim, ssh) + `
resource "proximity_application" "x" {
  catalog_id = "nginx"
  hostname   = "by-address"
  node       = "beta"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("proximity_application.x", tfjsonpath.New("node"), knownvalue.StringExact("beta")),
				statecheck.ExpectKnownValue("proximity_application.x", tfjsonpath.New("status"), knownvalue.StringExact("running")),
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			if guests, err := client.ClusterGuests(context.Background()); err != nil || len(guests) != 0 {
				return fmt.Errorf("%d containers left (%v)", len(guests), err)
			}
			return nil
		},
	})
}

// freePortOn finds a TCP port free on a loopback address.
func freePortOn(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
