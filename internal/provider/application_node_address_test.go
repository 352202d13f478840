package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationReachesNodesByAddress runs against a PVE 9.1 cluster
// whose nodes have names of their own and their own addresses, all with SSH
// on port 22's stand-in, as a real cluster is: the provider is given no
// per-node SSH addresses, so it must find each node's IP in /cluster/status
// (for the deployment and for the allocation table on pmxcfs). The
// container lives on beta alone, so a command sent to the wrong address
// could not have started its services.
func TestAccApplicationReachesNodesByAddress(t *testing.T) {
	e, port := newNamedNodesEnv(t)
	ssh := withSSHOnly(sshBlockSettings{PrivateKey: e.info.SSHPrivateKey, HostKey: e.info.SSHHostKey, Port: port})
	app := application("x", "nginx", "by-address").str("node", "beta")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.provider(ssh)), app),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("node"), knownvalue.StringExact("beta")),
				statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
			},
		}},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
}

// newNamedNodesEnv is a PVE 9.1 cluster of two nodes with names of their
// own (alpha and beta) and addresses of their own (127.0.0.2 and
// 127.0.0.3), each with SSH on port, as a real cluster is.
func newNamedNodesEnv(t *testing.T) (e *testEnv, port int) {
	t.Helper()
	requireAcc(t)
	port = freePortOn(t, "127.0.0.2")
	e = newEnv(t, pvesim.Options{
		PVEVersion: "9.1",
		NodeNames:  []string{"alpha", "beta"}, NodeAddresses: []string{"127.0.0.2", "127.0.0.3"},
		SSHListen: fmt.Sprintf("127.0.0.1:%d", port),
	})
	return e, port
}
