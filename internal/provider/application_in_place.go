package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// renameKeysPorts adds to an update's change what hostname,
// ssh_public_keys and port_allocation_id ask for; each changes in place
// (deploy's update_hostname.go, update_keys.go, update_ports.go).
func (m applicationModel) renameKeysPorts(ctx context.Context, state applicationModel, c *deploy.Change, diags *diag.Diagnostics) {
	c.Hostname = state.Hostname.ValueString()
	c.AllocationID = state.AllocationID.ValueString()
	if m.Hostname.ValueString() != c.Hostname {
		c.NewHostname = m.Hostname.ValueString()
	}
	c.Keys = deploy.KeysChange(m.SSHPublicKeys.ValueString(), state.SSHPublicKeys.ValueString(), restoreChanges(m, state))
	if m.PortAllocation.ValueString() != state.PortAllocation.ValueString() {
		c.Ports = &deploy.PortMove{AllocationID: m.PortAllocation.ValueString(), OwnAllocationID: c.AllocationID}
		c.Tags = nonNil(stringSet(ctx, m.Tags, diags)) // rewritten with the new pair
	}
}

// planInPlace checks at plan time, reading only, what the in-place changes
// of hostname, ssh_public_keys and port_allocation_id need, and marks what
// a move of the ports changes as known after apply. A check that cannot
// read the cluster is left to the apply, which checks again.
func (r *applicationResource) planInPlace(ctx context.Context, plan, state applicationModel, resp *resource.ModifyPlanResponse) {
	keys := deploy.KeysChange(plan.SSHPublicKeys.ValueString(), state.SSHPublicKeys.ValueString(), restoreChanges(plan, state))
	if err := deploy.CheckKeys(keys, plan.Status.ValueString() != statusStopped); err != nil {
		addError(&resp.Diagnostics, "A stopped application cannot change its SSH keys", err.Error(), err)
	}
	vmid := int(state.VMID.ValueInt64())
	if name := plan.Hostname; !name.IsUnknown() && name.ValueString() != state.Hostname.ValueString() {
		var taken *deploy.HostnameTakenError
		if err := r.data.apps.CheckRename(ctx, vmid, name.ValueString()); errors.As(err, &taken) {
			addError(&resp.Diagnostics, "Hostname already in use", err.Error(), err)
		}
	}
	moved := plan.PortAllocation
	if !moved.IsUnknown() && moved.ValueString() == state.PortAllocation.ValueString() {
		return
	}
	unknown := map[string]any{"public_port": types.Int64Unknown(), "internal_port": types.Int64Unknown(), "allocation_id": types.StringUnknown()}
	for name, v := range unknown {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
	if moved.IsUnknown() || moved.IsNull() {
		return
	}
	var conflict *deploy.PortConflictError
	if err := r.data.apps.CheckPortMove(ctx, vmid, moved.ValueString()); errors.As(err, &conflict) {
		addError(&resp.Diagnostics, "The ports cannot move", err.Error(), err)
	}
}

// setMovedPorts records the pair an update moved the application to.
func (m *applicationModel) setMovedPorts(c deploy.Change) {
	if c.Ports != nil {
		m.setPorts(c.Ports.Moved.AllocationID, c.Ports.Moved.PublicPort, c.Ports.Moved.InternalPort)
	}
}

// renameKey keeps, in the resource's private state, the name the running
// container still has after an apply that failed in the middle of a rename
// (deploy.RenameUnfinishedError): the refresh then reads the new name from
// PVE, so only this record makes the next plan finish the rename.
const renameKey = "rename_from"

// resumeRename makes c finish a rename the private state records as
// unfinished, by deploy's rule (Change.ResumeRename); it returns the name
// the container still has, "" when none is recorded.
func resumeRename(ctx context.Context, p privateReader, c *deploy.Change, diags *diag.Diagnostics) string {
	raw, d := p.GetKey(ctx, renameKey)
	diags.Append(d...)
	var from string
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &from); err != nil {
			diags.AddError("Unreadable private state", fmt.Sprintf("the unfinished rename in the private state does not parse: %v", err))
		}
	}
	c.ResumeRename(from)
	return from
}

// recordRename records after an update whether a rename is left
// unfinished; an update that failed otherwise keeps the record as it was.
func recordRename(ctx context.Context, p privateWriter, err error, diags *diag.Diagnostics) {
	var unfinished *deploy.RenameUnfinishedError
	switch {
	case errors.As(err, &unfinished):
		value, _ := json.Marshal(unfinished.From) // private state values are JSON
		diags.Append(p.SetKey(ctx, renameKey, value)...)
	case err == nil:
		diags.Append(p.SetKey(ctx, renameKey, nil)...)
	}
}
