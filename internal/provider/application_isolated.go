package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// isolatedNetworkAttribute is the application's network: the gateway's
// isolated app network, or none.
func isolatedNetworkAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "`\"" + deploy.IsolatedNetworkName + "\"` puts the app on the isolated app network of the cluster's " +
			"`proximity_gateway` (its `network` block): the container attaches to the vnet `" + deploy.IsolatedVnet + "` with a DHCP " +
			"address of that network, runs on the gateway's node (PVE's simple zone joins only one node's guests: a `node` other than " +
			"the gateway's fails the plan), and is not published on your LAN: users reach it through the gateway (`url`, `embed_url`). " +
			"Cannot be set with `bridge` or " +
			"`ip_config`. Changes in place, as a change of `bridge` does. Read back from the container's bridge.",
		Validators: []validator.String{
			stringvalidator.OneOf(deploy.IsolatedNetworkName),
			stringvalidator.ConflictsWith(path.MatchRoot("bridge"), path.MatchRoot("ip_config")),
		},
	}
}

// isolatedNetworkOf is the network attribute for a container's bridge.
func isolatedNetworkOf(bridge string) types.String {
	if bridge == deploy.IsolatedVnet {
		return types.StringValue(deploy.IsolatedNetworkName)
	}
	return types.StringNull()
}

// planIsolated plans an app on the isolated network: its bridge is the
// vnet, and its node the gateway's (deploy's rule, CheckIsolatedNode),
// planned when the configuration names none. When the network or its
// gateway does not exist yet (the same plan creates them), the bridge
// cannot be checked now: the apply's create checks it, and ok is false.
func (r *applicationResource) planIsolated(
	ctx context.Context, req resource.ModifyPlanRequest, plan *applicationModel, resp *resource.ModifyPlanResponse,
) (checkBridge bool) {
	var configured types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("network"), &configured)...)
	if configured.ValueString() != deploy.IsolatedNetworkName {
		if configured.IsNull() && !plan.Bridge.IsUnknown() {
			plan.Network = isolatedNetworkOf(plan.Bridge.ValueString())
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("network"), plan.Network)...)
		}
		return true
	}
	plan.Bridge = types.StringValue(deploy.IsolatedVnet)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("bridge"), plan.Bridge)...)
	placement, err := r.data.apps.PlaceIsolated(ctx)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to plan the application", "finding the isolated network's gateway: "+err.Error(), err)
		return false
	}
	if !placement.Ready {
		return false
	}
	// The node the app will run on: the configured one, else where it runs.
	if err := deploy.CheckIsolatedNode(placement, stringOrEmpty(plan.Node)); err != nil {
		addAttributeError(&resp.Diagnostics, path.Root("node"), "Not the gateway's node", err.Error(), err)
		return false
	}
	if plan.Node.IsUnknown() {
		plan.Node = types.StringValue(placement.Node)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("node"), plan.Node)...)
	}
	return true
}
