package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// planGeneratedSecrets plans generated_secrets by deploy's rule
// (deploy.KeptSecrets): the state's values stay and a secret the
// configuration sets has none, so a plan that keeps them shows them as they
// are. A value that would be new (a create, a secret the configuration
// stops setting) is made by the apply: unknown, as is a restore's, which
// keeps the backup's. An application deployed before the attribute existed
// keeps null and the values it runs with.
func planGeneratedSecrets(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, entry *catalog.App, resp *resource.ModifyPlanResponse,
) {
	planned := types.MapUnknown(types.StringType)
	defer func() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("generated_secrets"), planned)...)
	}()
	if req.State.Raw.IsNull() || len(resp.RequiresReplace) > 0 || plan.environmentUnknown() || plan.RestoreFrom.IsUnknown() {
		return
	}
	var state applicationModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() || restoreChanges(plan, state) {
		return
	}
	if state.CatalogID.ValueString() != "" && state.GeneratedSecrets.IsNull() {
		planned = types.MapNull(types.StringType) // deployed before secrets were generated
		return
	}
	kept, ok := deploy.KeptSecrets(entry, plan.environment(ctx, &resp.Diagnostics), stringMap(ctx, state.GeneratedSecrets, &resp.Diagnostics))
	if ok {
		planned = secretsValue(ctx, kept, &resp.Diagnostics)
	}
}

// keptSecrets is the Change's GeneratedSecrets: the planned values, or the
// state's where the plan leaves some to the apply; nil for an application
// deployed before secrets were generated, which keeps the values it runs
// with.
func (m applicationModel) keptSecrets(ctx context.Context, state applicationModel, diags *diag.Diagnostics) map[string]string {
	switch {
	case m.GeneratedSecrets.IsUnknown():
		return stringMap(ctx, state.GeneratedSecrets, diags)
	case m.GeneratedSecrets.IsNull():
		return nil
	}
	return stringMap(ctx, m.GeneratedSecrets, diags)
}

// readGeneratedSecrets records the values of an apply whose plan left them
// unknown: those the create made, else those read back from the compose
// file in the container (a restore keeps the backup's; an update made the
// new ones). After a failure (err) the state cannot know them: null.
func (r *applicationResource) readGeneratedSecrets(
	ctx context.Context, plan *applicationModel, made map[string]string, err error, diags *diag.Diagnostics,
) {
	if !plan.GeneratedSecrets.IsUnknown() {
		return
	}
	plan.GeneratedSecrets = types.MapNull(types.StringType)
	switch {
	case err != nil:
		return
	case made != nil:
		plan.GeneratedSecrets = secretsValue(ctx, made, diags)
		return
	}
	secrets, readErr := r.data.apps.RunningSecrets(ctx, plan.CatalogID.ValueString(), plan.Node.ValueString(), int(plan.VMID.ValueInt64()),
		plan.environment(ctx, diags))
	if readErr != nil {
		diags.AddAttributeWarning(path.Root("generated_secrets"), "Generated secrets not read back",
			fmt.Sprintf("reading the secrets of %s from its compose file: %v. The state records none; the app keeps the values it runs with.",
				plan.ID.ValueString(), readErr))
		return
	}
	plan.GeneratedSecrets = secretsValue(ctx, secrets, diags)
}

// secretsValue is the attribute's value of a set of secrets: null when
// there is none, as for an app without secrets.
func secretsValue(ctx context.Context, secrets map[string]string, diags *diag.Diagnostics) types.Map {
	if len(secrets) == 0 {
		return types.MapNull(types.StringType)
	}
	v, d := types.MapValueFrom(ctx, types.StringType, secrets)
	diags.Append(d...)
	return v
}
