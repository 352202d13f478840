package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccDiskGrownOutOfBand: disk_gb is a minimum. A disk grown with pct
// resize is accepted as it is (the state records its real size, the plan is
// empty, and a disk_gb raised but still below it changes nothing), a disk_gb
// above it grows it in place, and only a disk_gb below what the
// configuration asked before is refused, at plan, naming disk_gb. Before,
// every plan after the resize failed with "Disks cannot shrink", and so did
// terraform destroy, whose first step is such a plan (a refresh in normal
// mode); step 2 is that plan. (plugin-testing's own destroy skips it with
// -refresh=false, so the CheckDestroy proves the delete, not that plan.)
func TestAccDiskGrownOutOfBand(t *testing.T) {
	e := newSimEnv(t, "")
	web := application("web", "nginx", "web").str("node", "pve1").num("disk_gb", 2)
	res := web.address()
	cfg := func(gb int) string { return config(rawHCL(e.appProvider()), web.num("disk_gb", gb)) }
	diskIs := func(gb int64) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(gb))
	}
	rootfsIs := func(size string) containerConfig {
		rootfs := knownvalue.StringRegexp(regexp.MustCompile(`,size=` + size + `$`))
		return expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"rootfs": rootfs})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(),
		Steps: []resource.TestStep{
			{Config: cfg(2), ConfigStateChecks: []statecheck.StateCheck{diskIs(2), rootfsIs("2G")}},
			{
				PreConfig: func() {
					if out, code, err := e.onNode("pve1", "pct resize 100 rootfs +2G"); err != nil || code != 0 {
						t.Fatalf("pct resize: exit %d %v %s", code, err, out)
					}
				},
				Config:            cfg(2),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{diskIs(4), rootfsIs("4G")},
			},
			{
				// Below what the create asked for: a shrink.
				Config:      cfg(1),
				ExpectError: errorLike(`Disks cannot shrink.*disk_gb: the disk is 4 GB and was asked to be 2 GB; it cannot go down to 1 GB`),
			},
			{
				// Raised, but not past the disk: still satisfied.
				Config:            cfg(3),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{diskIs(4), rootfsIs("4G")},
			},
			{
				Config: cfg(6),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(res, tfjsonpath.New("disk_gb"), knownvalue.Int64Exact(6)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{diskIs(6), rootfsIs("6G")},
			},
			{
				Config:      cfg(5),
				ExpectError: errorLike(`Disks cannot shrink.*disk_gb: the disk is 6 GB and was asked to be 6 GB; it cannot go down to 5 GB`),
			},
		},
	})
}
