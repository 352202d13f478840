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
