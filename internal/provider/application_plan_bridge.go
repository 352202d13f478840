package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// checkBridge reports at plan time a bridge that the app's node lacks, by
// deploy's rule (CheckNodeBridge): the configured node, else default_node,
// else every online node, since the apply then chooses a node that has it.
// Only for a new container or one that a node or bridge change replaces; a
// failed listing is left to the apply.
func (r *applicationResource) checkBridge(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse,
) {
	if plan.Bridge.IsUnknown() {
		return
	}
	r.checkBridgeMTU(ctx, req, plan, resp)
	if !req.State.Raw.IsNull() {
		var state applicationModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if plan.Bridge.Equal(state.Bridge) && plan.Node.Equal(state.Node) {
			return
		}
	}
	err := r.data.apps.CheckNodeBridge(ctx, stringOrEmpty(plan.Node), plan.Bridge.ValueString())
	var missing *deploy.BridgeError
	if errors.As(err, &missing) {
		addAttributeError(&resp.Diagnostics, path.Root("bridge"), "Bridge not on the node", err.Error(), err)
	}
}

// checkBridgeMTU reports at plan time an mtu above the bridge's MTU on the
// app's node, by deploy's rule (CheckBridgeMTU), when mtu, bridge or node
// changes; a failed listing is left to the apply, where PVE checks it.
func (r *applicationResource) checkBridgeMTU(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse,
) {
	if plan.MTU.IsNull() || plan.MTU.IsUnknown() || plan.Node.IsUnknown() && !req.State.Raw.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state applicationModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if plan.MTU.Equal(state.MTU) && plan.Bridge.Equal(state.Bridge) && plan.Node.Equal(state.Node) {
			return
		}
	}
	err := r.data.apps.CheckBridgeMTU(ctx, stringOrEmpty(plan.Node), plan.Bridge.ValueString(), int(plan.MTU.ValueInt64()))
	var above *deploy.BridgeMTUError
	if errors.As(err, &above) {
		addAttributeError(&resp.Diagnostics, path.Root("mtu"), "MTU above the bridge's", err.Error(), err)
	}
}
