package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var (
	_ resource.ResourceWithConfigure   = (*gatewayResource)(nil)
	_ resource.ResourceWithImportState = (*gatewayResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*gatewayResource)(nil)
)

func newGatewayResource() resource.Resource { return &gatewayResource{} }

// gatewayResource is the cluster's reverse proxy for the apps' port pairs.
type gatewayResource struct {
	data *providerData
}

func (r *gatewayResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_gateway"
}

func (r *gatewayResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (r *gatewayResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan gatewayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, 15*time.Minute, &resp.Diagnostics)
	defer cancel()
	identity := deploy.NewIdentity()
	gw, err := r.data.apps.CreateGateway(ctx, plan.spec(identity))
	if gw.VMID != 0 {
		// The container exists: record it even when a later step failed,
		// so that Terraform replaces it rather than leaving an orphan.
		plan.set(ctx, gw, &resp.Diagnostics)
		writeIdentity(ctx, resp.Private, identity, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil {
		addError(&resp.Diagnostics, "Unable to create the gateway", fmt.Sprintf("creating the gateway %s: %v", plan.Hostname.ValueString(), err), err)
		return
	}
	if gw.RoutesProblem != "" {
		resp.Diagnostics.AddWarning("The gateway's routes were not synced",
			fmt.Sprintf("The gateway %s is made, but its first route sync failed: %s. The next plan shows the missing routes and its apply "+
				"syncs them.", plan.ID.ValueString(), gw.RoutesProblem))
	}
}

func (r *gatewayResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state gatewayModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	gw, err := r.data.apps.ObserveGateway(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), identity)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read the gateway", fmt.Sprintf("reading the gateway %s: %v", state.ID.ValueString(), err), err)
		return
	}
	if gw.Gone {
		resp.State.RemoveResource(ctx)
		return
	}
	if !gw.RoutesKnown {
		resp.Diagnostics.AddWarning("Gateway routes not read", gw.RoutesProblem+"; the state keeps the routes it had.")
	}
	state.set(ctx, gw, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *gatewayResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state gatewayModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, 10*time.Minute, &resp.Diagnostics)
	defer cancel()
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	sync, ip, err := r.data.apps.UpdateGateway(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), identity, plan.change(state))
	if err != nil {
		addError(&resp.Diagnostics, "Unable to update the gateway", fmt.Sprintf("updating the gateway %s: %v", state.ID.ValueString(), err), err)
		return
	}
	if plan.Routes.IsUnknown() {
		plan.Routes = routesValue(sync.Routes, &resp.Diagnostics)
	}
	if plan.IPAddress.IsUnknown() {
		plan.IPAddress = stringOrNull(ip) // planned unknown for a stopped gateway (gateway_plan.go)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *gatewayResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state gatewayModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, 10*time.Minute, &resp.Diagnostics)
	defer cancel()
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	kept, err := r.data.apps.DestroyGateway(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), identity)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to destroy the gateway", fmt.Sprintf("destroying the gateway %s: %v", state.ID.ValueString(), err), err)
		return
	}
	if kept != "" {
		resp.Diagnostics.AddWarning("The isolated network stays",
			fmt.Sprintf("The gateway %s is destroyed; its isolated network (SDN zone %s, vnet %s) stays: %s. A later gateway with the same "+
				"network block uses it again.", state.ID.ValueString(), deploy.IsolatedZone, deploy.IsolatedVnet, kept))
	}
}

// ImportState takes "<node>/<vmid>" or a VMID, and adopts the container
// only when it is a Proximity gateway (its px-gateway tag); its identity
// comes from its px-id- tag.
func (r *gatewayResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	node, vmid, err := parseGatewayID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("importing %q as a proximity_gateway: %v", req.ID, err))
		return
	}
	gw, err := r.data.apps.FindGateway(ctx, node, vmid)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to import the gateway", fmt.Sprintf("importing %q: %v", req.ID, err), err)
		return
	}
	writeIdentity(ctx, resp.Private, gw.Identity, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), gw.Node+"/"+strconv.Itoa(gw.VMID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("node"), gw.Node)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("vmid"), int64(gw.VMID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("routes"), types.MapNull(routeType))...)
}

// parseGatewayID reads an import id: "<node>/<vmid>" or "<vmid>".
func parseGatewayID(id string) (node string, vmid int, err error) {
	raw := id
	if n, v, ok := strings.Cut(id, "/"); ok {
		node, raw = n, v
	}
	if vmid, err = strconv.Atoi(raw); err != nil || vmid <= 0 {
		return "", 0, fmt.Errorf("expected <node>/<vmid> or a VMID, such as pve1/120 or 120")
	}
	return node, vmid, nil
}
