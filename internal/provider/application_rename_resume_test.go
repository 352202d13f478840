package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccUnfinishedRenameIsFinished: a rename that fails inside the
// running container after PVE's config took the new name fails the apply
// naming the step; the refresh then reads the new name from PVE, yet the
// next plan is not empty (a warning says why) and its apply renames the
// container inside, after which the plan is empty.
func TestAccUnfinishedRenameIsFinished(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	renamed := web.str("hostname", "web2")
	res := web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig:   func() { e.must(e.sim.SetFaults("exec:hostname=1|hostname: simulated failure")) },
				Config:      config(block, renamed),
				ExpectError: errorLike(`step "rename" failed: .*the running container still has "web": the next apply renames it inside`),
			},
			{
				PreConfig: func() { e.must(e.sim.SetFaults("")) },
				Config:    config(block, renamed),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("hostname"), knownvalue.StringExact("web2")),
					expectInContainer(e, 100, "hostname; cat /etc/hostname", knownvalue.StringExact("web2\nweb2")),
				},
			},
		},
	})
}
