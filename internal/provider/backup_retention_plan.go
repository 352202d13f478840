package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// warnRetention warns, at plan, about a storage whose retention will delete
// the backup being planned or earlier ones of the same container: vzdump
// prunes after every backup, and Terraform then finds archives gone. A
// protected backup is never pruned, so it gets no warning.
func (r *backupResource) warnRetention(ctx context.Context, req resource.ModifyPlanRequest, plan backupModel, node string, vmid int,
	resp *resource.ModifyPlanResponse,
) {
	// An unset storage is unknown in a create's plan (it is computed): the
	// default storage, which the apply will choose, is checked then. One
	// configured from a value known only at apply is not.
	var configured types.String
	if resp.Diagnostics.HasError() || plan.Protected.ValueBool() ||
		req.Config.GetAttribute(ctx, path.Root("storage"), &configured).HasError() || configured.IsUnknown() {
		return
	}
	storage, err := r.data.backups.Storage(ctx, node, vmid, configured.ValueString())
	if err != nil {
		return // the backup's own checks report it
	}
	risk, err := r.data.backups.CheckRetention(ctx, node, storage, vmid)
	if err != nil || risk == nil {
		if err != nil {
			tflog.Debug(ctx, "the storage's retention was not checked", map[string]any{"storage": storage, "error": err.Error()})
		}
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("storage"), "Storage retention will delete backups",
		fmt.Sprintf("Storage %q keeps backups by \"%s\" (its own in storage.cfg, else that of /etc/vzdump.conf). "+
			"After every backup vzdump deletes the backups of "+
			"CT %d on it that this retention does not cover: it keeps %d for sure, and %d unprotected backups of CT %d "+
			"are there now. A proximity_backup whose archive was deleted is made again at the next apply. "+
			"Set protected = true on this backup (PVE never prunes a protected backup), use another storage, "+
			"or raise the storage's retention (for example: pvesm set %s --prune-backups keep-all=1).",
			risk.Storage, risk.Setting, vmid, risk.Kept, risk.Existing, vmid, risk.Storage))
}
