package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// checkAccess asks, before anything is created or changed, whether PVE
// lets the provider's identity do what the plan does: the privileges per
// path and the tags it writes, by deploy's rules. A plan that changes
// nothing asks nothing, so a read-only identity can still look for drift.
// ok is false when the plan cannot go on.
func (r *applicationResource) checkAccess(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse,
) (ok bool) {
	creating := req.State.Raw.IsNull()
	if !creating && req.Plan.Raw.Equal(req.State.Raw) {
		return true
	}
	var state applicationModel
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	planned := deploy.PlannedApplication{
		Storage: stringOrEmpty(plan.Storage), Bridge: stringOrEmpty(plan.Bridge), RestoreFrom: stringOrEmpty(plan.RestoreFrom),
	}
	planNetworkAccess(ctx, plan, state, creating, &planned, &resp.Diagnostics) // net0's VLAN tags (application_network.go)
	planBootAccess(plan, state, creating, &planned)                            // the pool (application_boot.go)
	if !creating {
		// An update in place of the container at VMID (a replacement is
		// planned again by Terraform as a create, without state). A change
		// of node migrates it, which needs VM.Migrate; a node unknown here
		// is checked in the final plan at apply, which runs ModifyPlan
		// again with its value, before anything moves (planRelocation).
		planned.VMID = int(state.VMID.ValueInt64())
		if to := relocation(plan, state); to != nil {
			planned.Migrate = to.Node != "" // a migration needs VM.Migrate
		}
	}
	if !accessAllowed(&resp.Diagnostics, path.Empty(), r.data.apps.CheckPrivileges(ctx, deploy.ApplicationNeeds(planned))) {
		return false
	}
	write := deploy.TagPlan{
		CatalogID: plan.CatalogID.ValueString(),
		Creating:  creating,
		Adopting:  !creating && state.CatalogID.ValueString() == "",
		Restoring: restoreChanges(plan, state),
		OldTags:   stringSet(ctx, state.Tags, &resp.Diagnostics),
		NewTags:   stringSet(ctx, plan.Tags, &resp.Diagnostics),
	}.Write()
	at := path.Empty()
	if !write.Proximity {
		at = path.Root("tags")
	}
	return accessAllowed(&resp.Diagnostics, at, r.data.apps.CheckTags(ctx, write))
}

// accessAllowed reports deploy's verdict on the identity's access as one
// diagnostic. A failure to ask is a warning: the apply then meets PVE's
// own check.
func accessAllowed(diags *diag.Diagnostics, at path.Path, err error) bool {
	var missing *deploy.MissingPrivilegesError
	var tags *deploy.TagAccessError
	switch {
	case err == nil:
		return true
	case errors.As(err, &missing):
		diags.AddError("Missing Proxmox VE privileges", err.Error())
	case errors.As(err, &tags) && at.Equal(path.Empty()):
		diags.AddError("PVE refuses the tags Proximity writes", err.Error())
	case errors.As(err, &tags):
		diags.AddAttributeError(at, "PVE refuses these tags", err.Error())
	default:
		diags.AddWarning("Unable to check the Proxmox VE privileges", "Asking PVE for the identity's privileges failed, "+
			"so the apply will meet PVE's own checks: "+err.Error())
		return true
	}
	return false
}
