package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// This file maps a change of node or storage onto deploy's relocation
// (internal/deploy/relocate.go): the Change it makes, the plan-time checks
// of the target, and the id that follows the container to its node.

// relocation is the move a plan makes of an existing application's
// container, nil when it stays where it is.
func relocation(plan, state applicationModel) *deploy.Relocation {
	var to deploy.Relocation
	if known(plan.Node) && !plan.Node.Equal(state.Node) {
		to.Node = plan.Node.ValueString()
	}
	if known(plan.Storage) && !plan.Storage.Equal(state.Storage) {
		to.Storage = plan.Storage.ValueString()
	}
	if to == (deploy.Relocation{}) {
		return nil
	}
	if to.Node != "" && plan.Bridge.ValueString() != state.Bridge.ValueString() {
		to.Bridge = plan.Bridge.ValueString() // net0 moves to it before the app starts on the new node
	}
	return &to
}

// known reports whether a string has a value.
func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }

// planRelocation checks a move at plan time as a create checks its node
// (deploy.CheckRelocation) and marks id unknown when the node changes: it
// is node/vmid. The bridge on the new node is checkBridge's.
func (r *applicationResource) planRelocation(ctx context.Context, plan, state applicationModel, resp *resource.ModifyPlanResponse) {
	to := relocation(plan, state)
	if to == nil {
		return
	}
	if to.Node != "" {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
	}
	err := r.data.apps.CheckRelocation(ctx, deploy.PlannedRelocation{
		VMID:     int(state.VMID.ValueInt64()),
		FromNode: state.Node.ValueString(), FromStorage: state.Storage.ValueString(),
		ToNode: to.Node, ToStorage: to.Storage,
		MemoryMB: int(plan.Memory.ValueInt64()), DiskGB: int(plan.DiskGB.ValueInt64()),
	})
	addRelocationError(&resp.Diagnostics, err)
}

// addRelocationError turns deploy's verdict on a move into a diagnostic on
// the attribute it is about.
func addRelocationError(diags *diag.Diagnostics, err error) {
	var node *deploy.NodeError
	var move *deploy.RelocationError
	switch {
	case errors.As(err, &node) && node.Offline:
		diags.AddAttributeError(path.Root("node"), "Node offline", node.Error())
	case errors.As(err, &node):
		diags.AddAttributeError(path.Root("node"), "Unknown node", node.Error())
	case errors.As(err, &move):
		diags.AddAttributeError(path.Root(move.Attribute), "The application cannot move there", move.Error())
	}
}

// followContainer records where the container is after an update that
// moved it: the planned node once the update succeeded (id included), and
// after a failure wherever the cluster lists it, so that the next refresh
// reads it there (a migration that failed after the copy leaves it on the
// target).
func (r *applicationResource) followContainer(
	ctx context.Context, resp *resource.UpdateResponse, plan, state *applicationModel, updateErr error,
) {
	vmid := int(state.VMID.ValueInt64())
	if updateErr == nil {
		plan.setContainer(plan.Node.ValueString(), vmid)
		state.setContainer(plan.Node.ValueString(), vmid) // the address is read where the container is now
		return
	}
	node, found, err := r.data.apps.Locate(ctx, vmid)
	if err != nil || !found || node == state.Node.ValueString() {
		return
	}
	moved := *state
	moved.setContainer(node, vmid)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), moved.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("node"), moved.Node)...)
	resp.Diagnostics.AddWarning("The container moved before the update failed",
		fmt.Sprintf("CT %d is on %s now; the state records it there, and the next apply goes on from there.", vmid, node))
}
