package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// featuresOf checks CT 100's features option on pve1.
func featuresOf(e *testEnv, value string) containerConfig {
	return expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"features": knownvalue.StringExact(value)})
}

// TestAccApplicationFeatures: feature flags beyond nesting are set at
// create (pct set as root before the first start: the PVEAdmin token may
// not, pve-container check_ct_modify_config_perm), read back, changed in
// place (a running container restarts, as PVE applies them at its start),
// imported, and a change out of band is drift the apply puts back; nesting
// stays on throughout; left out, features stay as they are, and
// features = {} turns the others off.
func TestAccApplicationFeatures(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	base := application("web", "it-tools", "tools").str("node", "pve1")
	created := base.set("features", `{ fuse = true, mount = ["nfs"] }`)
	changed := base.set("features", `{ keyctl = true, mknod = true, mount = ["nfs", "cifs"] }`)
	res := base.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(block, created),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					featuresOf(e, "fuse=1,mount=nfs,nesting=1"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("features").AtMapKey("keyctl"), knownvalue.Bool(false)),
					expectRequests(e, "POST /nodes/{node}/lxc/{vmid}/status/reboot", knownvalue.Int64Exact(0)),
				},
			},
			{
				Config:           config(block, changed),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					featuresOf(e, "keyctl=1,mknod=1,mount=cifs;nfs,nesting=1"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					expectRequests(e, "POST /nodes/{node}/lxc/{vmid}/status/reboot", knownvalue.Int64Exact(1)),
				},
			},
			importVerify(res),
			{
				// Out of band, as root on the node: the plan puts them back.
				PreConfig: func() {
					if out, code, err := e.onNode("pve1", "pct set 100 --features nesting=1,fuse=1"); err != nil || code != 0 {
						t.Fatalf("pct set: exit %d, %v: %s", code, err, out)
					}
				},
				Config: config(block, changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("features").AtMapKey("fuse"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{featuresOf(e, "keyctl=1,mknod=1,mount=cifs;nfs,nesting=1")},
			},
			{
				// Left out, the container keeps the flags it has.
				Config: config(block, base),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{featuresOf(e, "keyctl=1,mknod=1,mount=cifs;nfs,nesting=1")},
			},
			{
				// features = {} turns them off; nesting stays.
				Config:           config(block, base.set("features", "{}")),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					featuresOf(e, "nesting=1"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("features").AtMapKey("keyctl"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("features").AtMapKey("mount"), knownvalue.Null()),
				},
			},
		},
	})
}
