package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// TestAccApplicationInputsThatCouldCarryMore: values that reach a PVE
// property string, chpasswd's input or Proximity's own tags are refused at
// plan time, before anything is created.
func TestAccApplicationInputsThatCouldCarryMore(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	x := application("x", "nginx", "x")
	cases := []struct {
		name string
		app  hclBlock
		want string
	}{
		{
			"reserved tag", x.set("tags", `["web", "px-pub-8100"]`),
			`"px-pub-8100" is reserved: Proximity keeps its own metadata in the tags proximity and px-\*`,
		},
		{"the proximity tag", x.set("tags", `["proximity"]`), `"proximity" is reserved`},
		{"bridge with options", x.str("bridge", "vmbr0,tag=42,firewall=1"), `Invalid bridge .* must be a bridge name such as vmbr0`},
		{"password with a newline", x.str("password", "secret\nbob:owned"), `Invalid password .* must not contain line breaks or NUL characters`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{
					{Config: config(block, tc.app), PlanOnly: true, ExpectError: errorLike(tc.want)},
					// A refused plan starts no task.
					{Config: config(block), ConfigStateChecks: []statecheck.StateCheck{expectNoTasks(e)}},
				},
			})
		})
	}
}

// TestAccAppsReachingBeyondTheirContainerNeedTheOptIn: a user catalog app
// that asks for the host (privileged, the Docker socket) is refused at plan
// time unless the provider allows it, and then the plan says what it asks.
func TestAccAppsReachingBeyondTheirContainerNeedTheOptIn(t *testing.T) {
	e := newSimEnv(t, "")
	dir := t.TempDir()
	app := `{"id": "agent", "name": "Agent", "category": "Monitoring", "ports": [9000], ` +
		`"docker_compose": {"services": {"agent": {"image": "portainer/agent:2.21.4", "privileged": true, ` +
		`"volumes": ["/var/run/docker.sock:/var/run/docker.sock"]}}}}`
	e.must(os.WriteFile(filepath.Join(dir, "agent.json"), []byte(app), 0o600))
	agent := application("agent", "agent", "agent")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(rawHCL(e.appProvider(withCatalogPaths(dir))), agent), PlanOnly: true,
				ExpectError: errorLike(`The app reaches beyond its container .* service agent: privileged; ` +
					`service agent: bind mount of /var/run/docker.sock. Set allow_host_access = true`),
			},
			{Config: config(rawHCL(e.appProvider(withCatalogPaths(dir), withHostAccess())), agent), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
}
