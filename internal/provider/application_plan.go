package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ModifyPlan checks at plan time what needs the provider's data: the catalog
// id, the minimum resources, a shrinking disk, and SSH.
func (r *applicationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	var plan applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.CatalogID.IsUnknown() {
		return
	}
	if r.data.nodes == nil {
		resp.Diagnostics.AddError("SSH is not configured",
			"Deploying an app runs commands inside its container (pct exec, pct push) through the node that hosts it, which needs SSH to the nodes. "+
				"Add an ssh block to the provider, for example ssh = { private_key = file(\"~/.ssh/id_ed25519\") }.")
		return
	}
	entry, ok := r.data.catalog.Get(plan.CatalogID.ValueString())
	if !ok {
		resp.Diagnostics.AddAttributeError(path.Root("catalog_id"), "Unknown catalog app",
			fmt.Sprintf("The catalog has no app %q. Closest ids: %s.", plan.CatalogID.ValueString(), strings.Join(r.data.catalog.Closest(plan.CatalogID.ValueString(), 3), ", ")))
		return
	}
	minimum := func(attr string, v types.Int64, min int, unit string) {
		if !v.IsNull() && !v.IsUnknown() && int(v.ValueInt64()) < min {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Below the app's minimum",
				fmt.Sprintf("%s needs at least %d %s; %s = %d is too small", entry.Name, min, unit, attr, v.ValueInt64()))
		}
	}
	if node := plan.Node; !node.IsNull() && !node.IsUnknown() && req.State.Raw.IsNull() {
		nodes, err := r.data.client.Nodes(ctx)
		if err == nil {
			found := false
			for _, n := range nodes {
				if n.Name == node.ValueString() {
					found = true
					if !n.Online {
						resp.Diagnostics.AddAttributeError(path.Root("node"), "Node offline", fmt.Sprintf("node %s is offline; choose another node or leave node out", n.Name))
					}
				}
			}
			if !found {
				var names []string
				for _, n := range nodes {
					names = append(names, n.Name)
				}
				resp.Diagnostics.AddAttributeError(path.Root("node"), "Unknown node", fmt.Sprintf("node %q is not in the cluster; nodes: %s", node.ValueString(), strings.Join(names, ", ")))
			}
		}
	}
	minimum("memory", plan.Memory, entry.MinMemory, "MB of memory")
	minimum("cores", plan.Cores, entry.MinCPU, "cores")
	minimum("disk_gb", plan.DiskGB, entry.MinDisk, "GB of disk")
	if !req.State.Raw.IsNull() {
		var state applicationModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// Replacing the container to change a password would destroy the app's
		// data; until the password can be set in place, say so at plan time.
		if !plan.Password.IsUnknown() && !plan.Password.Equal(state.Password) {
			resp.Diagnostics.AddAttributeError(path.Root("password"), "Password cannot change yet",
				"Changing the root password of an existing application is not supported yet (a replacement would lose its data). "+
					"Keep the previous value, or set it inside the container with pct exec.")
		}
		if !plan.DiskGB.IsUnknown() && !state.DiskGB.IsNull() && plan.DiskGB.ValueInt64() < state.DiskGB.ValueInt64() {
			resp.Diagnostics.AddAttributeError(path.Root("disk_gb"), "Disks cannot shrink",
				fmt.Sprintf("disk_gb is %d GB and cannot go down to %d; PVE only grows container disks", state.DiskGB.ValueInt64(), plan.DiskGB.ValueInt64()))
		}
		// A redeploy or a status change rewrites the log and the address.
		if !plan.Environment.Equal(state.Environment) || !plan.Status.Equal(state.Status) || !plan.RestartTriggers.Equal(state.RestartTriggers) {
			resp.Plan.SetAttribute(ctx, path.Root("deployment_log"), types.ListUnknown(stepType))
			resp.Plan.SetAttribute(ctx, path.Root("ip_address"), types.StringUnknown())
			resp.Plan.SetAttribute(ctx, path.Root("url"), types.StringUnknown())
		} else {
			resp.Plan.SetAttribute(ctx, path.Root("deployment_log"), state.DeploymentLog)
			resp.Plan.SetAttribute(ctx, path.Root("ip_address"), state.IPAddress)
			resp.Plan.SetAttribute(ctx, path.Root("url"), state.URL)
		}
	}
}
