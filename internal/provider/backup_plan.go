package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithModifyPlan = (*backupResource)(nil)

// ModifyPlan checks, before a backup is made, that its container exists and
// that an asked storage takes backups on that node.
func (r *backupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() {
		return
	}
	var plan backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
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
}
