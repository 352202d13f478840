package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// planUnusedEnvironment reports, at plan, each key of environment and
// secret_environment the app does not use (deploy.UnusedEnvironment) on
// that key: a warning, or an error with strict_environment. Only the key is
// named, never its value.
func planUnusedEnvironment(ctx context.Context, plan applicationModel, entry *catalog.App, diags *diag.Diagnostics) {
	if plan.StrictEnvironment.IsUnknown() {
		return // known at apply, when Terraform plans again
	}
	for name, m := range map[string]types.Map{"environment": plan.Environment, "secret_environment": plan.SecretEnvironment} {
		if m.IsUnknown() {
			continue
		}
		for _, unused := range deploy.UnusedEnvironment(entry, stringMap(ctx, m, diags)) {
			at := path.Root(name).AtMapKey(unused.Key)
			if plan.StrictEnvironment.ValueBool() {
				diags.AddAttributeError(at, "Environment key not used by the app", unused.Problem(entry.ID)+" Correct the name or remove the key.")
			} else {
				diags.AddAttributeWarning(at, "Environment key not used by the app",
					unused.Problem(entry.ID)+" A key the image reads by itself is passed on as it is; strict_environment = true makes this an error.")
			}
		}
	}
}
