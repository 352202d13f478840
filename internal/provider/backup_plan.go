package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var _ resource.ResourceWithModifyPlan = (*backupResource)(nil)

// ModifyPlan checks, before a backup is made, that the identity may make
// it, that its container exists and that an asked storage takes backups on
// that node; of a backup that exists it only says when application_id changes.
func (r *backupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !req.Plan.Raw.IsNull() && !req.State.Raw.IsNull() {
		warnApplicationChange(ctx, req, resp)
	}
	if r.data == nil || req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() {
		return
	}
	var plan backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !r.checkAccess(ctx, plan, resp) {
		return
	}
	byApplication := !plan.ApplicationID.IsNull()
	if resp.Diagnostics.HasError() || plan.ApplicationID.IsUnknown() || (!byApplication && (plan.Node.IsUnknown() || plan.VMID.IsUnknown())) {
		return // known at apply time only (an application created in the same run)
	}
	node, vmid := plan.target()
	where := path.Root("vmid")
	if byApplication {
		where = path.Root("application_id")
	}
	if exists, err := r.data.backups.ContainerExists(ctx, node, vmid); err == nil && !exists {
		resp.Diagnostics.AddAttributeError(where, "No such container", fmt.Sprintf("node %s has no container %d to back up", node, vmid))
		return
	}
	if storage := plan.Storage; !storage.IsNull() && !storage.IsUnknown() {
		backupStorages, err := r.data.backups.Storages(ctx, node)
		if err != nil {
			return
		}
		if !slices.Contains(backupStorages, storage.ValueString()) {
			resp.Diagnostics.AddAttributeError(path.Root("storage"), "Storage does not take backups",
				fmt.Sprintf("storage %q on %s does not hold backups; storages that do: %v", storage.ValueString(), node, backupStorages))
		}
	}
	r.warnRetention(ctx, req, plan, node, vmid, resp)
}

// checkAccess asks whether the identity holds what making, reading and
// removing the backup takes, by deploy's rule; the container and storage
// may be known at apply time only (an application created in the same run),
// and then the privileges must propagate from /vms and /storage.
func (r *backupResource) checkAccess(ctx context.Context, plan backupModel, resp *resource.ModifyPlanResponse) bool {
	vmid := 0
	if byApplication := !plan.ApplicationID.IsNull(); (byApplication && !plan.ApplicationID.IsUnknown()) || (!byApplication && !plan.VMID.IsUnknown()) {
		_, vmid = plan.target()
	}
	return accessAllowed(&resp.Diagnostics, path.Empty(), r.data.apps.CheckPrivileges(ctx, deploy.BackupNeeds(vmid, stringOrEmpty(plan.Storage))))
}

// warnApplicationChange says, when application_id changes (its application
// was replaced, or the configuration names another), that the backup stays
// the archive of the container it was made of. An imported backup, whose
// state lacks application_id, only records it.
func warnApplicationChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.ApplicationID.IsNull() || plan.ApplicationID.Equal(state.ApplicationID) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("application_id"), "The backup keeps its archive",
		fmt.Sprintf("application_id changes from %s (its application is replaced or moved to another node, or the configuration "+
			"names another); the backup stays the archive %s of CT %d on %s and only records the new application_id. To back up "+
			"the new container, add a "+
			"proximity_backup or replace this one (lifecycle replace_triggered_by); keep_on_destroy = true keeps the old archive then.",
			state.ApplicationID.ValueString(), state.VolID.ValueString(), state.VMID.ValueInt64(), state.Node.ValueString()))
}
