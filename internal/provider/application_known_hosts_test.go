package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationKnownHostsByNodeName runs against a cluster whose nodes
// have their own names and loopback addresses, without ssh.nodes and with
// a known_hosts file instead of a pinned key. First the file knows neither
// the nodes' names nor their addresses: the apply fails naming both and
// what to add. Then it holds the nodes under their names only, as
// OpenSSH's HostKeyAlias would record them: the app deploys on beta.
func TestAccApplicationKnownHostsByNodeName(t *testing.T) {
	requireAcc(t)
	port := freePortOn(t, "127.0.0.2")
	e := newEnv(t, pvesim.Options{
		PVEVersion: "9.1",
		NodeNames:  []string{"alpha", "beta"}, NodeAddresses: []string{"127.0.0.2", "127.0.0.3"},
		SSHListen: fmt.Sprintf("127.0.0.1:%d", port),
	})
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	write := func(content string) func() {
		return func() {
			if err := os.WriteFile(knownHosts, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("")()
	byNames := fmt.Sprintf("[alpha]:%d %s\n[beta]:%d %s\n", port, e.info.SSHHostKey, port, e.info.SSHHostKey)
	ssh := withSSHOnly(sshBlockSettings{PrivateKey: e.info.SSHPrivateKey, KnownHostsFile: knownHosts, Port: port})
	app := application("x", "nginx", "by-name").str("node", "beta")
	cfg := config(rawHCL(e.provider(ssh)), app)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: write(fmt.Sprintf("[gamma]:%d %s\n", port, e.info.SSHHostKey)),
				Config:    cfg,
				ExpectError: regexp.MustCompile(`(?s)not\s+in\s+the\s+known\s+hosts.*neither\s+under\s+the\s+node's\s+name\s+\(\[alpha\]:\d+\)\s+` +
					`nor\s+under\s+its\s+address\s+\(\[127\.0\.0\.2\]:\d+\).*ssh-keyscan\s+-H\s+-p\s+\d+\s+alpha\s+127\.0\.0\.2`),
			},
			{
				PreConfig: write(byNames),
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
}
