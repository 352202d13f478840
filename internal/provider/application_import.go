package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ImportState takes node/vmid, or a bare vmid whose node the cluster
// listing tells. A Proximity container brings its catalog id and ports back
// from its tags, and its environment from its compose project; any other
// container comes in without an app, which the configuration's catalog_id
// then deploys into it.
func (r *applicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	node, vmid, ok := parseImportID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("import an application as node/vmid or vmid, for example pve2/123 or 123; got %q", req.ID))
		return
	}
	node, o, err := r.data.apps.FindForImport(ctx, node, vmid)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to import the application", fmt.Sprintf("importing %s: %v", req.ID, err), err)
		return
	}
	id := fmt.Sprintf("%s/%d", node, vmid)
	var m applicationModel
	resp.Diagnostics.Append(blankModel(ctx, resp.State, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if o.CatalogID == "" {
		// A container Proximity did not create: the configuration names the
		// app, and the next apply deploys it into the container in place.
		m.setImported(id, o, &resp.Diagnostics)
		m.setPorts("", 0, 0)
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		resp.Diagnostics.AddWarning("Container without an app",
			fmt.Sprintf("CT %d on %s was not created by Proximity. Set catalog_id (and the app's settings) in the configuration: "+
				"the next apply deploys that app into this container, with ports, Docker and the compose project, and the plan shows every change.", vmid, node))
		return
	}
	writeIdentity(ctx, resp.Private, o.Identity, &resp.Diagnostics)
	imported, err := r.data.apps.Import(ctx, node, vmid, o)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to import the application", fmt.Sprintf("importing %s: %v", id, err), err)
		return
	}
	m.setImported(id, o, &resp.Diagnostics)
	m.setPorts(imported.AllocationID, o.PublicPort, o.InternalPort)
	m.PortAllocation = stringOrNull(imported.PortAllocationID)
	m.Environment = importedEnvironment(ctx, imported.Environment, &resp.Diagnostics)
	// The keys that look secret (deploy.SplitEnvironment).
	m.SecretEnvironment = importedEnvironment(ctx, imported.SecretEnvironment, &resp.Diagnostics)
	m.GeneratedSecrets = importedEnvironment(ctx, imported.GeneratedSecrets, &resp.Diagnostics) // null when none, too
	if imported.EnvironmentUnread != "" {
		resp.Diagnostics.AddWarning("Environment not read",
			fmt.Sprintf("the environment of %s was not read back (%s): a configuration that sets environment plans an in-place update "+
				"that writes the compose project again.", id, imported.EnvironmentUnread))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// parseImportID reads node/vmid or a bare vmid (node "").
func parseImportID(id string) (node string, vmid int, ok bool) {
	vmidText := id
	if n, v, found := strings.Cut(id, "/"); found {
		if n == "" {
			return "", 0, false
		}
		node, vmidText = n, v
	}
	vmid, err := strconv.Atoi(vmidText)
	return node, vmid, err == nil && vmid > 0
}

// importedEnvironment is the environment map of the state: null when the
// app runs with the catalog's defaults, as a configuration that leaves
// environment out is.
func importedEnvironment(ctx context.Context, env map[string]string, diags *diag.Diagnostics) types.Map {
	if len(env) == 0 {
		return types.MapNull(types.StringType)
	}
	m, d := types.MapValueFrom(ctx, types.StringType, env)
	diags.Append(d...)
	return m
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
