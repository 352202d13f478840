package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccApplicationInputsThatCouldCarryMore: values that reach a PVE
// property string, chpasswd's input or Proximity's own tags are refused at
// plan time, before anything is created.
func TestAccApplicationInputsThatCouldCarryMore(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	app := func(extra string) string {
		return block + "resource \"proximity_application\" \"x\" {\n  catalog_id = \"nginx\"\n  hostname = \"x\"\n" + extra + "\n}\n"
	}
	cases := []struct{ name, extra, want string }{
		{"reserved tag", `tags = ["web", "px-pub-8100"]`, `"px-pub-8100" is reserved: Proximity keeps its own metadata in the tags proximity and px-\*`},
		{"the proximity tag", `tags = ["proximity"]`, `"proximity" is reserved`},
		{"bridge with options", `bridge = "vmbr0,tag=42,firewall=1"`, `Invalid bridge .* must be a bridge name such as vmbr0`},
		{"password with a newline", `password = "secret\nbob:owned"`, `Invalid password .* must not contain line breaks or NUL characters`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: app(tc.extra), PlanOnly: true, ExpectError: errorLike(tc.want)}},
			})
		})
	}
	if n := len(sim.Stats().Tasks); n != 0 {
		t.Errorf("a refused plan started %d tasks", n)
	}
}

// TestAccAppsReachingBeyondTheirContainerNeedTheOptIn: a user catalog app
// that asks for the host (privileged, the Docker socket) is refused at plan
// time unless the provider allows it, and then the plan says what it asks.
func TestAccAppsReachingBeyondTheirContainerNeedTheOptIn(t *testing.T) {
	sim := newSim(t, "")
	dir := t.TempDir()
	app := `{"id": "agent", "name": "Agent", "category": "Monitoring", "ports": [9000], "docker_compose": {"services": {"agent": {"image": "portainer/agent:2.21.4", "privileged": true, "volumes": ["/var/run/docker.sock:/var/run/docker.sock"]}}}}`
	if err := os.WriteFile(filepath.Join(dir, "agent.json"), []byte(app), 0o600); err != nil {
		t.Fatal(err)
	}
	config := func(optIn string) string {
		block, _ := appProviderBlock(t, sim)
		block = strings.Replace(block, "allocation_store", fmt.Sprintf("catalog_paths = [%q]\n%s\nallocation_store", dir, optIn), 1)
		return block + "resource \"proximity_application\" \"agent\" {\n  catalog_id = \"agent\"\n  hostname = \"agent\"\n}\n"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config(""), PlanOnly: true, ExpectError: errorLike(`The app reaches beyond its container .* service agent: privileged; service agent: bind mount of /var/run/docker.sock. Set allow_host_access = true`)},
			{Config: config("allow_host_access = true"), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
}
