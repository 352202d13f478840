package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// ImportState takes node/vmid. A Proximity container brings its catalog id
// and ports back from its tags; any other container comes in without an app,
// which the configuration's catalog_id then deploys into it.
func (r *applicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	node, vmidText, ok := strings.Cut(req.ID, "/")
	vmid, err := strconv.Atoi(vmidText)
	if !ok || err != nil || node == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("import an application as node/vmid, for example pve2/123; got %q", req.ID))
		return
	}
	o, err := r.data.apps.Observe(ctx, node, vmid)
	if err != nil || o.Gone {
		addError(&resp.Diagnostics, "Unable to import the application", fmt.Sprintf("no container %d on node %s (%v)", vmid, node, err), err)
		return
	}
	var m applicationModel
	resp.Diagnostics.Append(blankModel(ctx, resp.State, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if o.CatalogID == "" {
		// A container Proximity did not create: the configuration names the
		// app, and the next apply deploys it into the container in place.
		m.setImported(req.ID, o, &resp.Diagnostics)
		m.setPorts("", 0, 0)
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		resp.Diagnostics.AddWarning("Container without an app",
			fmt.Sprintf("CT %d on %s was not created by Proximity. Set catalog_id (and the app's settings) in the configuration: "+
				"the next apply deploys that app into this container, with ports, Docker and the compose project, and the plan shows every change.", vmid, node))
		return
	}
	writeIdentity(ctx, resp.Private, o.Identity, &resp.Diagnostics)
	allocationID, err := r.data.apps.Adopt(ctx, o)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to record the application's ports", err.Error(), err)
		return
	}
	m.setImported(req.ID, o, &resp.Diagnostics)
	m.setPorts(allocationID, o.PublicPort, o.InternalPort)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// planTakeOver warns, in the plan that deploys an app into an imported
// container, that the container lacks nesting=1 and how the apply sets it.
// A warning rather than an attribute: the schema has no feature flags, and
// nesting is Proximity's own need, set on every container it runs.
func (r *applicationResource) planTakeOver(ctx context.Context, state applicationModel, resp *resource.ModifyPlanResponse) {
	if state.CatalogID.ValueString() != "" || state.VMID.IsNull() {
		return
	}
	node, vmid := state.Node.ValueString(), int(state.VMID.ValueInt64())
	change, err := r.data.apps.PlanNesting(ctx, node, vmid)
	if err != nil || !change.Needed {
		return // a failed read is left to the apply
	}
	resp.Diagnostics.AddWarning("The container gets nesting=1", change.Describe(vmid))
}
