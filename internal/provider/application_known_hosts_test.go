package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationKnownHostsByNodeName runs against a cluster whose nodes
// have their own names and loopback addresses, without ssh.nodes and with
// a known_hosts file instead of a pinned key. First the file knows neither
// the nodes' names nor their addresses: the plan fails naming both (for beta,
// the app's node) and what to add. Then it holds the cluster's own list, the nodes' names and
// RSA keys as pvecm updatecerts writes them (no address entries): the app
// deploys on beta.
func TestAccApplicationKnownHostsByNodeName(t *testing.T) {
	e, port := newNamedNodesEnv(t)
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	write := func(content string) func() {
		return func() {
			if err := os.WriteFile(knownHosts, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("")()
	// The cluster's own list, as the error's advice prints it on a node:
	// each node's name and RSA key (pvecm updatecerts), here with the port.
	var byNames, stderr strings.Builder
	script := fmt.Sprintf(`awk '{ $1 = "[" $1 "]:%d"; print }' /etc/pve/nodes/*/ssh_known_hosts`, port)
	if code, err := e.sim.RunOnNode(context.Background(), "alpha", script, nil, &byNames, &stderr); err != nil || code != 0 {
		t.Fatalf("the cluster's known hosts: %d %v %s", code, err, stderr.String())
	}
	ssh := withSSHOnly(sshBlockSettings{PrivateKey: e.info.SSHPrivateKey, KnownHostsFile: knownHosts, Port: port})
	app := application("x", "nginx", "by-name").str("node", "beta")
	cfg := config(rawHCL(e.provider(ssh)), app)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: write(fmt.Sprintf("[gamma]:%d %s\n", port, e.info.SSHHostKey)),
				Config:    cfg,
				ExpectError: regexp.MustCompile(`(?s)not\s+in\s+the\s+known\s+hosts.*neither\s+under\s+the\s+node's\s+name\s+\(\[beta\]:\d+\)\s+` +
					`nor\s+under\s+its\s+address\s+\(\[127\.0\.0\.3\]:\d+\).*ssh-keyscan\s+-H\s+-p\s+\d+\s+beta\s+127\.0\.0\.3`),
			},
			{
				PreConfig: write(byNames.String()),
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
}
