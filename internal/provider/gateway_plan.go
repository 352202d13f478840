package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// ModifyPlan checks a create where the plan can (SSH configured, the
// isolated network) and shows stale routes as drift: it reads the
// cluster (a listing and the apps' addresses; it writes nothing) and, when
// the gateway serves anything else, plans routes as known after apply with
// a warning listing the differences. The value is left unknown rather than
// planned exactly because apps created in the same apply change it too.
func (r *gatewayResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	if r.data.nodes == nil {
		resp.Diagnostics.AddError("SSH is not configured",
			"The gateway's HAProxy is installed and configured inside its container (pct exec, pct push) through the node that hosts it, "+
				"which needs SSH to the nodes. Add an ssh block to the provider, for example ssh = { private_key = file(\"~/.ssh/id_ed25519\") }.")
		return
	}
	if r.data.apps.Client == nil {
		return // offline: nothing to compare with
	}
	if req.State.Raw.IsNull() {
		// One gateway per cluster is checked at apply (CreateGateway):
		// a replacement plans its new object without a prior state while
		// the old one still exists, so the plan cannot tell the two apart.
		var plan gatewayModel
		if resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...); !resp.Diagnostics.HasError() {
			checkIPConfigGateway(plan.IPConfig, &resp.Diagnostics) // ip_config_schema.go
			r.planIsolatedNetwork(ctx, plan, resp)                 // gateway_network.go
		}
		return
	}
	var state gatewayModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.IPAddress.IsNull() {
		running, err := r.data.apps.GatewayRunning(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()))
		if err != nil || running {
			// Running without an IPv4 address on eth0 (a lease that went):
			// nothing the apply could fix.
			resp.Diagnostics.AddWarning("The gateway has no address",
				fmt.Sprintf("The gateway %s runs without an IPv4 address on eth0 (or its status could not be read: %v), so no app "+
					"answers through it; check its DHCP lease or set ip_config to a static address.", state.ID.ValueString(), err))
			return
		}
		// The refresh found it stopped: it serves nothing; the apply
		// starts it and syncs.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("routes"), types.MapUnknown(routeType))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ip_address"), types.StringUnknown())...)
		resp.Diagnostics.AddWarning("The gateway is stopped",
			fmt.Sprintf("The gateway %s does not run, so no app answers through it; the apply starts it and syncs its routes.", state.ID.ValueString()))
		return
	}
	r.planRoutes(ctx, state, resp)
}

// planRoutes compares what the gateway serves with what the cluster asks.
func (r *gatewayResource) planRoutes(ctx context.Context, state gatewayModel, resp *resource.ModifyPlanResponse) {
	// What the gateway serves now, not what the state last read: an app's
	// create syncs the gateway without touching the gateway's state, so
	// the state trails until the next refresh, and that is no drift.
	have, problem := r.data.apps.ServedRoutes(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()))
	if problem != "" {
		resp.Diagnostics.AddWarning("Gateway routes not compared", problem+"; the next plan compares them")
		return
	}
	want, _, unread, err := r.data.apps.ClusterRoutes(ctx, have)
	if err != nil {
		resp.Diagnostics.AddWarning("Gateway routes not compared", fmt.Sprintf("reading the cluster's applications: %v; the next plan compares them", err))
		return
	}
	if len(unread) > 0 {
		resp.Diagnostics.AddWarning("Some apps' addresses were not read",
			fmt.Sprintf("The addresses of CT %v could not be read (is their node online?); their routes are compared as the gateway serves them.", unread))
	}
	if deploy.SameRoutes(have, want) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("routes"), types.MapUnknown(routeType))...)
	resp.Diagnostics.AddWarning("The gateway's routes are stale",
		fmt.Sprintf("The gateway %s serves routes that differ from the cluster's applications; the apply syncs them:\n  %s",
			state.ID.ValueString(), strings.Join(deploy.RouteDifferences(have, want), "\n  ")))
}
