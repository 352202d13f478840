package provider

import (
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
