package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// vmidRangeModel is the provider's vmid_range, written as the port ranges
// are: from and to, both included.
type vmidRangeModel struct {
	From types.Int64 `tfsdk:"from"`
	To   types.Int64 `tfsdk:"to"`
}

// vmidRangeAttribute is where the creates that name no vmid take one.
func vmidRangeAttribute() schema.SingleNestedAttribute {
	vmid := []validator.Int64{int64validator.Between(deploy.MinVMID, deploy.MaxVMID)}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "VMIDs, both ends included, from which a create takes the lowest free one when the application " +
			"sets no `vmid`, for example `{ from = 1000, to = 1999 }`. Without it PVE chooses (`/cluster/nextid`: the lowest free " +
			"VMID from 100, or within `datacenter.cfg`'s `next-id` bounds). The creates of one apply take their VMIDs one after " +
			"another, and PVE refuses a VMID that another run took meanwhile, so parallel creates never share one. An application " +
			"that sets `vmid` may lie outside the range. Env: `PROXIMITY_VMID_RANGE` (`1000-1999`).",
		Attributes: map[string]schema.Attribute{
			"from": schema.Int64Attribute{Required: true, MarkdownDescription: "First VMID of the range.", Validators: vmid},
			"to":   schema.Int64Attribute{Required: true, MarkdownDescription: "Last VMID of the range.", Validators: vmid},
		},
		Validators: []validator.Object{rangeOrder{noun: "VMID"}},
	}
}

// resolveVMIDRange is the configured range, else PROXIMITY_VMID_RANGE's,
// nil for none.
func resolveVMIDRange(cfg *vmidRangeModel, env envLookup, diags *diag.Diagnostics) *deploy.VMIDRange {
	if cfg != nil {
		return &deploy.VMIDRange{Min: int(cfg.From.ValueInt64()), Max: int(cfg.To.ValueInt64())}
	}
	text, ok := env("PROXIMITY_VMID_RANGE")
	if !ok || text == "" {
		return nil
	}
	r, err := deploy.ParseVMIDRange(text)
	if err != nil {
		diags.AddAttributeError(path.Root("vmid_range"), "Invalid PROXIMITY_VMID_RANGE",
			"from the environment variable PROXIMITY_VMID_RANGE: "+err.Error())
		return nil
	}
	return &r
}
