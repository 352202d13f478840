package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
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
	if _, err := r.data.client.GuestStatus(ctx, node, vmid); pveclient.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(where, "No such container", fmt.Sprintf("node %s has no container %d to back up", node, vmid))
		return
	}
	if storage := plan.Storage; !storage.IsNull() && !storage.IsUnknown() {
		storages, err := r.data.client.Storages(ctx, node)
		if err != nil {
			return
		}
		var backupStorages []string
		for _, s := range storages {
			if s.Holds("backup") {
				backupStorages = append(backupStorages, s.ID)
			}
		}
		if !slices.Contains(backupStorages, storage.ValueString()) {
			resp.Diagnostics.AddAttributeError(path.Root("storage"), "Storage does not take backups",
				fmt.Sprintf("storage %q on %s does not hold backups; storages that do: %v", storage.ValueString(), node, backupStorages))
		}
	}
}
