package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// askedDiskKey holds, in the private state, the disk size the configuration
// asked for last: the state's disk_gb is the disk's real size, which a
// resize out of band may have grown past it, and deploy's rule needs both.
const askedDiskKey = "disk_gb_asked"

// readAskedDisk is the size last asked for, 0 when unknown (an import, or a
// state from before the key).
func readAskedDisk(ctx context.Context, p privateReader, diags *diag.Diagnostics) int {
	if p == nil {
		return 0
	}
	raw, d := p.GetKey(ctx, askedDiskKey)
	diags.Append(d...)
	var gb int
	if len(raw) > 0 && json.Unmarshal(raw, &gb) != nil {
		diags.AddError("Unreadable private state", fmt.Sprintf("the application's %s in the private state does not parse", askedDiskKey))
	}
	return gb
}

func writeAskedDisk(ctx context.Context, p privateWriter, gb int, diags *diag.Diagnostics) {
	if p == nil || gb <= 0 {
		return
	}
	raw, _ := json.Marshal(gb)
	diags.Append(p.SetKey(ctx, askedDiskKey, raw)...)
}

// planDisk plans disk_gb of an existing application by deploy's rule: a
// disk_gb at or below the disk's real size (grown out of band, perhaps) plans
// no change, a larger one grows it, and one below both the disk and what was
// asked before is refused. The apply records what was asked.
func planDisk(ctx context.Context, req resource.ModifyPlanRequest, state applicationModel, resp *resource.ModifyPlanResponse) {
	var configured types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("disk_gb"), &configured)...)
	if configured.IsNull() || configured.IsUnknown() || state.DiskGB.IsNull() || state.DiskGB.IsUnknown() {
		return // left out: the disk stays as it is
	}
	asked := int(configured.ValueInt64())
	planned, shrink := deploy.PlanDisk(asked, int(state.DiskGB.ValueInt64()), readAskedDisk(ctx, req.Private, &resp.Diagnostics))
	if shrink != nil {
		resp.Diagnostics.AddAttributeError(path.Root("disk_gb"), "Disks cannot shrink", "disk_gb: "+shrink.Error()+". "+
			"Every plan checks this, the one terraform destroy makes first included: to destroy the application with this configuration, "+
			"run terraform destroy -refresh=false.")
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("disk_gb"), types.Int64Value(int64(planned)))...)
	writeAskedDisk(ctx, resp.Private, asked, &resp.Diagnostics)
}
