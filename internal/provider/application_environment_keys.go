package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// planUnusedEnvironment reports, at plan, each key of environment the app
// does not use (deploy.UnusedEnvironment) on that key: a warning, or an
// error with strict_environment.
func planUnusedEnvironment(ctx context.Context, plan applicationModel, entry *catalog.App, diags *diag.Diagnostics) {
	if plan.Environment.IsUnknown() || plan.StrictEnvironment.IsUnknown() {
		return // known at apply, when Terraform plans again
	}
	for _, unused := range deploy.UnusedEnvironment(entry, stringMap(ctx, plan.Environment, diags)) {
		at := path.Root("environment").AtMapKey(unused.Key)
		if plan.StrictEnvironment.ValueBool() {
			diags.AddAttributeError(at, "Environment key not used by the app", unused.Problem(entry.ID)+" Correct the name or remove the key.")
		} else {
			diags.AddAttributeWarning(at, "Environment key not used by the app",
				unused.Problem(entry.ID)+" A key the image reads by itself is passed on as it is; strict_environment = true makes this an error.")
		}
	}
}
