package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestVMIDRangeSetting: vmid_range comes from the block, else from
// PROXIMITY_VMID_RANGE ("MIN-MAX"), whose value is checked naming the
// variable; without either, PVE's nextid chooses (nil).
func TestVMIDRangeSetting(t *testing.T) {
	env := func(extra ...string) envLookup {
		vars := map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1"}
		if len(extra) == 2 {
			vars[extra[0]] = extra[1]
		}
		return fakeEnv(vars)
	}
	if s, diags := resolveSettings(emptyModel(), env()); diags.HasError() || s.vmidRange != nil {
		t.Errorf("without a range: %v %v", s.vmidRange, diags)
	}
	s, diags := resolveSettings(emptyModel(), env("PROXIMITY_VMID_RANGE", "1000-1999"))
	if diags.HasError() || s.vmidRange == nil || *s.vmidRange != (deploy.VMIDRange{Min: 1000, Max: 1999}) {
		t.Errorf("from the environment: %v %v", s.vmidRange, diags)
	}
	m := emptyModel()
	m.VMIDRange = &vmidRangeModel{From: types.Int64Value(500), To: types.Int64Value(599)}
	if s, diags := resolveSettings(m, env("PROXIMITY_VMID_RANGE", "1000-1999")); diags.HasError() || s.vmidRange.Min != 500 {
		t.Errorf("the block wins: %v %v", s.vmidRange, diags)
	}
	_, diags = resolveSettings(emptyModel(), env("PROXIMITY_VMID_RANGE", "1999-1000"))
	if errs := diags.Errors(); len(errs) != 1 || errs[0].Summary() != "Invalid PROXIMITY_VMID_RANGE" ||
		!strings.Contains(errs[0].Detail(), "min 1999 is above max 1000") {
		t.Errorf("a bad value from the environment: %v", diags)
	}
}

// TestAccProviderRefusesBadVMIDRange: an inverted range, or one outside
// PVE's VMIDs, fails the plan on vmid_range before anything is created;
// so does an application vmid below 100.
func TestAccProviderRefusesBadVMIDRange(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	web := application("web", "it-tools", "tools")
	for _, tc := range []struct {
		cfg  string
		want string
	}{
		{config(withVMIDRange(e.appProvider(), 2000, 1000), web), `Inverted VMID range.*vmid_range goes from 2000 down to 1000`},
		{config(withVMIDRange(e.appProvider(), 50, 1000), web), `vmid_range.from.*value must be between 100 and 999999999, got: 50`},
		{config(rawHCL(e.appProvider()), web.num("vmid", 99)), `vmid.*value must be between 100 and 999999999, got: 99`},
		{config(rawHCL(e.appProvider()), web.set("startup", "{}")), `Empty startup`},
		{config(rawHCL(e.appProvider()), web.num("swap", -1)), `swap.*value must be at least 0, got: -1`},
	} {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: providerFactories,
			Steps:                    []resource.TestStep{{Config: tc.cfg, PlanOnly: true, ExpectError: errorLike(tc.want)}},
		})
	}
	if st := e.sim.Stats(); st.Tasks["vzcreate"] != 0 {
		t.Errorf("the refused plans started tasks: %v", st.Tasks)
	}
}
