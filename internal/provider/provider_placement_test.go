package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestPlacementSetting: placement comes from the block, else from
// PROXIMITY_PLACEMENT, whose value is checked as the schema checks the
// block's, naming the variable.
func TestPlacementSetting(t *testing.T) {
	base := map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1"}
	with := func(k, v string) map[string]string {
		env := map[string]string{k: v}
		for k, v := range base {
			env[k] = v
		}
		return env
	}
	m := emptyModel()
	if s, diags := resolveSettings(m, fakeEnv(with("PROXIMITY_PLACEMENT", "spread"))); diags.HasError() || s.placement != "spread" {
		t.Errorf("from the environment: %q %v", s.placement, diags)
	}
	m.Placement = types.StringValue("pack")
	if s, diags := resolveSettings(m, fakeEnv(with("PROXIMITY_PLACEMENT", "spread"))); diags.HasError() || s.placement != "pack" {
		t.Errorf("the block wins: %q %v", s.placement, diags)
	}
	_, diags := resolveSettings(emptyModel(), fakeEnv(with("PROXIMITY_PLACEMENT", "even")))
	if errs := diags.Errors(); len(errs) != 1 || errs[0].Summary() != "Invalid PROXIMITY_PLACEMENT" ||
		!strings.Contains(errs[0].Detail(), "placement \"even\" must be `pack` or `spread`") {
		t.Errorf("a bad value from the environment: %v", diags)
	}
}

// TestAccProviderRefusesUnknownPlacement: a placement that is no rule fails
// the plan on the attribute, before anything is created.
func TestAccProviderRefusesUnknownPlacement(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      config(rawHCL(withPlacement(e.appProvider(), "even")), application("a", "nginx", "web")),
			PlanOnly:    true,
			ExpectError: errorLike(`Attribute placement value must be one of: \["pack" "spread"\], got: "even"`),
		}},
	})
}

// TestAccApplicationPlacementSpread: three apps created in one apply with
// placement = "spread" land on the three nodes of the simulator, although
// pve3 has the most free memory and the creates run in parallel; the plan
// after is empty. Three more, with the default rule (pack), all go to pve3,
// and the first three stay where they are: the rule chooses at create only.
func TestAccApplicationPlacementSpread(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	var spread, packed []hclBlock
	for _, name := range []string{"a", "b", "c"} {
		spread = append(spread, application(name, "nginx", "s-"+name).num("memory", 128))
		packed = append(packed, application("p"+name, "nginx", "p-"+name).num("memory", 128))
	}
	blocks := func(provider string, apps ...hclBlock) string {
		all := []fmt.Stringer{rawHCL(provider)}
		for _, a := range apps {
			all = append(all, a)
		}
		return config(all...)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: blocks(withPlacement(e.appProvider(), "spread"), spread...),
			Check:  nodesOf(spread, "pve1", "pve2", "pve3"),
		}, {
			Config: blocks(e.appProvider(), append(spread, packed...)...),
			Check:  resource.ComposeTestCheckFunc(nodesOf(spread, "pve1", "pve2", "pve3"), nodesOf(packed, "pve3", "pve3", "pve3")),
		}},
		CheckDestroy: e.nothingLeft(),
	})
}

// withPlacement sets placement in a rendered provider block.
func withPlacement(provider, placement string) string {
	return strings.Replace(provider, "provider \"proximity\" {", "provider \"proximity\" {\n  placement = "+hclString(placement), 1)
}

// nodesOf checks the nodes the apps run on, in any order.
func nodesOf(apps []hclBlock, want ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		var got []string
		for _, a := range apps {
			r, ok := s.RootModule().Resources[a.address()]
			if !ok {
				return fmt.Errorf("%s is not in the state", a.address())
			}
			got = append(got, r.Primary.Attributes["node"])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return fmt.Errorf("the apps run on %v, want %v", got, want)
		}
		return nil
	}
}
