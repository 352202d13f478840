package provider

import (
	"context"
	"errors"

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
	if keysChange(m, state) {
		c.Keys = &deploy.Keys{Keys: m.SSHPublicKeys.ValueString(), Previous: state.SSHPublicKeys.ValueString()}
	}
	if m.PortAllocation.ValueString() != state.PortAllocation.ValueString() {
		c.Ports = &deploy.PortMove{AllocationID: m.PortAllocation.ValueString(), OwnAllocationID: c.AllocationID}
		c.Tags = nonNil(stringSet(ctx, m.Tags, diags)) // rewritten with the new pair
	}
}

// keysChange reports whether an update rewrites root's authorized keys: a
// restore sets the configured keys anyway (its own step).
func keysChange(plan, state applicationModel) bool {
	return plan.SSHPublicKeys.ValueString() != state.SSHPublicKeys.ValueString() && !restoreChanges(plan, state)
}

// planInPlace checks at plan time, reading only, what the in-place changes
// of hostname, ssh_public_keys and port_allocation_id need, and marks what
// a move of the ports changes as known after apply. A check that cannot
// read the cluster is left to the apply, which checks again.
func (r *applicationResource) planInPlace(ctx context.Context, plan, state applicationModel, resp *resource.ModifyPlanResponse) {
	if keysChange(plan, state) && plan.Status.ValueString() == statusStopped {
		resp.Diagnostics.AddAttributeError(path.Root("ssh_public_keys"), "A stopped application cannot change its SSH keys",
			"PVE takes ssh_public_keys only when it creates a container; a change is written into root's authorized_keys inside the "+
				"running container. Apply with status = \"running\" first, or keep the previous keys until the application runs.")
	}
	vmid := int(state.VMID.ValueInt64())
	if name := plan.Hostname; !name.IsUnknown() && name.ValueString() != state.Hostname.ValueString() {
		var taken *deploy.HostnameTakenError
		if err := r.data.apps.CheckRename(ctx, vmid, name.ValueString()); errors.As(err, &taken) {
			resp.Diagnostics.AddAttributeError(path.Root("hostname"), "Hostname already in use", err.Error())
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
		resp.Diagnostics.AddAttributeError(path.Root("port_allocation_id"), "The ports cannot move",
			err.Error()+"; use a pair no other application uses, or leave port_allocation_id out")
	}
}

// setMovedPorts records the pair an update moved the application to.
func (m *applicationModel) setMovedPorts(c deploy.Change) {
	if c.Ports != nil {
		m.setPorts(c.Ports.Moved.AllocationID, c.Ports.Moved.PublicPort, c.Ports.Moved.InternalPort)
	}
}

// inPlaceRemedy maps the errors of a rename and a move of the ports onto
// the attribute that asked for them; the messages say what to do.
func inPlaceRemedy(err error) (remedy, bool) {
	var (
		hostname *deploy.HostnameTakenError
		ports    *deploy.PortConflictError
	)
	switch {
	case errors.As(err, &hostname):
		return remedy{attr: path.Root("hostname")}, true
	case errors.As(err, &ports):
		return remedy{attr: path.Root("port_allocation_id"), advice: "use a pair no other application uses, or leave port_allocation_id out"}, true
	}
	return remedy{}, false
}
