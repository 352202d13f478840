package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// TestPlanUnusedEnvironmentWarns: a mistyped key is a warning on that key,
// naming the closest key gitea knows; a key gitea uses is none.
func TestPlanUnusedEnvironmentWarns(t *testing.T) {
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := c.Get("gitea")
	env := types.MapValueMust(types.StringType, map[string]attr.Value{
		"DB_PASSWROD": types.StringValue("x"), "DB_PASSWORD": types.StringValue("y"),
	})
	var diags diag.Diagnostics
	planUnusedEnvironment(context.Background(), applicationModel{Environment: env, StrictEnvironment: types.BoolNull()}, entry, &diags)
	if diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags.Warnings()[0].Detail(), "(did you mean DB_PASSWORD?)") {
		t.Fatalf("diagnostics %v, want one warning naming DB_PASSWORD", diags)
	}
}

// TestAccApplicationStrictEnvironment: with strict_environment a key the
// app does not use fails the plan, before anything is created, naming the
// closest key.
func TestAccApplicationStrictEnvironment(t *testing.T) {
	e := newSimEnv(t, "")
	git := application("git", "gitea", "git").str("node", "pve1").set("strict_environment", "true").
		set("environment", `{ DB_PASSWROD = "mine" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{{
			Config:      config(rawHCL(e.appProvider()), git),
			ExpectError: errorLike(`DB_PASSWROD is not used by gitea: .* \(did you mean DB_PASSWORD\?\)`),
		}},
	})
}
