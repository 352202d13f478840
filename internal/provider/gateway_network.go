package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// isolatedNetworkType is the gateway's network block.
var isolatedNetworkType = map[string]attr.Type{"cidr": types.StringType, "bridge": types.StringType}

// isolatedCIDR reads network.cidr; "" without a network block.
func (m gatewayModel) isolatedCIDR() string {
	if m.Network.IsNull() || m.Network.IsUnknown() {
		return ""
	}
	if v, ok := m.Network.Attributes()["cidr"].(types.String); ok {
		return v.ValueString()
	}
	return ""
}

// isolatedNetworkValue is the network block for what the gateway serves.
func isolatedNetworkValue(cidr string) types.Object {
	if cidr == "" {
		return types.ObjectNull(isolatedNetworkType)
	}
	return types.ObjectValueMust(isolatedNetworkType, map[string]attr.Value{
		"cidr": types.StringValue(cidr), "bridge": types.StringValue(deploy.IsolatedVnet),
	})
}

// planIsolatedNetwork checks at plan time that the gateway's isolated
// network can be made, by deploy's rule (CheckIsolatedNetwork), and plans
// its bridge.
func (r *gatewayResource) planIsolatedNetwork(ctx context.Context, plan gatewayModel, resp *resource.ModifyPlanResponse) {
	cidr := plan.isolatedCIDR()
	if cidr == "" {
		return
	}
	if err := r.data.apps.CheckIsolatedNetwork(ctx, cidr); err != nil {
		addAttributeError(&resp.Diagnostics, path.Root("network").AtName("cidr"), "The isolated network cannot be made", err.Error(), err)
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("network"), isolatedNetworkValue(cidr))...)
}

// isolatedCIDRValidator checks network.cidr by deploy's layout rule.
type isolatedCIDRValidator struct{}

func (isolatedCIDRValidator) Description(context.Context) string {
	return "an IPv4 network address between a /16 and a /28"
}

func (v isolatedCIDRValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (isolatedCIDRValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	layout, err := deploy.LayoutIsolated(req.ConfigValue.ValueString())
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid isolated network", fmt.Sprintf("%v.", err))
	case layout.CIDR != req.ConfigValue.ValueString():
		// The state reads back the network's address: only that form
		// compares equal on the next plan.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid isolated network",
			fmt.Sprintf("%q is not a network address; write %s.", req.ConfigValue.ValueString(), layout.CIDR))
	}
}
