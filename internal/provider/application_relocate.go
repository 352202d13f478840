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
	return &to // a new bridge with it is the Change's Network (deploy reads it there)
}

// known reports whether a string has a value.
func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }

// planRelocation checks a move at plan time as a create checks its node
// (deploy.CheckRelocation) and marks id unknown when the node changes: it
// is node/vmid. The bridge on the new node is checkBridge's.
//
// A node unknown at plan time (from another resource's output) may change
// at apply, so id is unknown too: otherwise Terraform fails the apply with
// "Provider produced inconsistent final plan" when the final plan, which
// runs ModifyPlan again with the node's value, marks it unknown. That final
// plan also makes this move's checks, which an unknown node skips here:
// CheckRelocation below and VM.Migrate in checkAccess (relocation() sees
// the node then), failing the apply before anything moves
// (TestAccMigrationToANodeKnownOnlyAtApply).
func (r *applicationResource) planRelocation(ctx context.Context, plan, state applicationModel, resp *resource.ModifyPlanResponse) {
	to := relocation(plan, state)
	if plan.Node.IsUnknown() || to != nil && to.Node != "" {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
	}
	if to == nil {
		return
	}
	err := r.data.apps.CheckRelocation(ctx, deploy.PlannedRelocation{
		VMID:     int(state.VMID.ValueInt64()),
		FromNode: state.Node.ValueString(), FromStorage: state.Storage.ValueString(),
		ToNode: to.Node, ToStorage: to.Storage,
		MemoryMB: int(plan.Memory.ValueInt64()), DiskGB: int(plan.DiskGB.ValueInt64()),
	})
	if err != nil {
		addError(&resp.Diagnostics, relocationSummary(err), err.Error(), err) // on the attribute (relocationRemedy)
	}
}

// relocationSummary is the summary of deploy's verdict on a move.
func relocationSummary(err error) string {
	var node *deploy.NodeError
	switch {
	case errors.As(err, &node) && node.Offline:
		return "Node offline"
	case errors.As(err, &node):
		return "Unknown node"
	}
	return "The application cannot move there"
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
	if err != nil {
		// The state keeps the old node; the next refresh finds the
		// container wherever the cluster lists it (followMoved).
		resp.Diagnostics.AddWarning("Where the container is after the failed update is not known",
			fmt.Sprintf("Looking CT %d up in the cluster after the failed update failed: %v. The state keeps %s; the next refresh "+
				"finds the container wherever it is and follows it there.", vmid, err, state.Node.ValueString()))
		return
	}
	if !found || node == state.Node.ValueString() {
		return
	}
	moved := *state
	moved.setContainer(node, vmid)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), moved.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("node"), moved.Node)...)
	resp.Diagnostics.AddWarning("The container moved before the update failed",
		fmt.Sprintf("CT %d is on %s now; the state records it there, and the next apply goes on from there.", vmid, node))
}

// followMoved looks, for a container gone from the state's node, where the
// cluster lists it now: migrated out of band (HA, pct migrate, a node's
// maintenance), it is still the app, and treating it as gone would release
// the ports of an app that runs and create a second one. When the
// container there is provably the app (Owns, as Read asks of it on its
// node), the state follows it: node and id become where it is, and a
// configured node then plans a migration back. It reads only; otherwise
// the container stays gone (owned false).
func (r *applicationResource) followMoved(
	ctx context.Context, state *applicationModel, gone deploy.Observed, rec deploy.Recorded, diags *diag.Diagnostics,
) (_ deploy.Observed, owned bool, _ error) {
	from, vmid := state.Node.ValueString(), int(state.VMID.ValueInt64())
	node, o, found, err := r.data.apps.ObserveElsewhere(ctx, from, vmid)
	if err != nil || !found {
		return gone, false, err
	}
	if owned, err := r.data.apps.Owns(ctx, node, vmid, o, rec); err != nil || !owned {
		return gone, false, err
	}
	state.setContainer(node, vmid)
	diags.AddWarning("The application's container moved to another node",
		fmt.Sprintf("CT %d is on %s now, no longer on %s: it was migrated out of band. The state follows it there; with node set in "+
			"the configuration, the next apply migrates it back.", vmid, node, from))
	return o, true, nil
}
