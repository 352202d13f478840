package provider

import (
	"context"
	"fmt"
	posixpath "path"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// checkProtectedMounts refuses at plan a change of a protected app's mount
// points that PVE refuses at apply: update_pct_config runs check_protection
// on the config as it is for any mpN added, changed or deleted (a volume
// grown, resize_vm, is not checked). An apply that also turns protection
// on sets it last, so only an app protected before and after is refused.
func checkProtectedMounts(ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || plan.MountPoints.IsUnknown() || !plan.Protection.ValueBool() {
		return
	}
	var state applicationModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() || !state.Protection.ValueBool() {
		return
	}
	was, is := mountShapes(ctx, state, resp), mountShapes(ctx, plan, resp)
	if was == is {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("mount_points"), "Protected container",
		fmt.Sprintf("%s has protection = true, and PVE refuses to add, remove or change a mount point of a protected container "+
			"(only growing a volume is allowed). Set protection = false and apply first, or in the same apply as this change "+
			"(protection is turned off before the mount points change and back on last).", state.ID.ValueString()))
}

// mountShapes is the app's mount points without their sizes, sorted: what
// check_protection guards.
func mountShapes(ctx context.Context, m applicationModel, resp *resource.ModifyPlanResponse) string {
	if m.MountPoints.IsNull() {
		return ""
	}
	var models []mountPointModel
	resp.Diagnostics.Append(m.MountPoints.ElementsAs(ctx, &models, false)...)
	shapes := make([]string, 0, len(models))
	for _, mp := range models {
		shapes = append(shapes, fmt.Sprintf("%s|%s|%v|%v", posixpath.Clean(mp.Path.ValueString()), mp.HostPath.ValueString(),
			mp.Backup.ValueBool(), mp.ReadOnly.ValueBool()))
	}
	sort.Strings(shapes)
	return strings.Join(shapes, "\n")
}
