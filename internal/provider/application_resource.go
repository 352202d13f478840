package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var (
	_ resource.ResourceWithConfigure   = (*applicationResource)(nil)
	_ resource.ResourceWithImportState = (*applicationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*applicationResource)(nil)
)

func newApplicationResource() resource.Resource { return &applicationResource{} }

// applicationResource is one catalog app in its own LXC container.
type applicationResource struct {
	data *providerData
}

func (r *applicationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application"
}

func (r *applicationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (r *applicationResource) deps() *deploy.Deps { return r.data.deps() }

func (r *applicationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, 30*time.Minute, &resp.Diagnostics)
	defer cancel()

	password := plan.Password.ValueString()
	if writeOnlyPassword(ctx, req.Config) {
		var wo types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
		password, plan.Password = wo.ValueString(), types.StringNull()
	} else if plan.Password.IsUnknown() || plan.Password.IsNull() {
		password = randomPassword()
		plan.Password = types.StringValue(password)
	}
	address, gateway := ipConfigOf(plan.IPConfig)
	spec := deploy.Spec{
		IPConfig: address, Gateway: gateway,
		CatalogID: plan.CatalogID.ValueString(), Hostname: plan.Hostname.ValueString(), Node: stringOrEmpty(plan.Node),
		Template: stringOrEmpty(plan.Template), Storage: stringOrEmpty(plan.Storage), Bridge: plan.Bridge.ValueString(),
		SSHPublicKeys: plan.SSHPublicKeys.ValueString(), Password: password, Description: plan.Description.ValueString(),
		Memory: int(plan.Memory.ValueInt64()), Cores: int(plan.Cores.ValueInt64()), DiskGB: int(plan.DiskGB.ValueInt64()),
		Environment: stringMap(ctx, plan.Environment), Tags: stringSet(ctx, plan.Tags), Stopped: plan.Status.ValueString() == "stopped",
		PortAllocationID: plan.PortAllocation.ValueString(), RestoreFrom: plan.RestoreFrom.ValueString(),
	}
	app, err := r.deps().Create(ctx, spec, func(a deploy.App) {
		// The container exists: save it now, so a failure later taints it
		// instead of leaving an orphan.
		applyApp(ctx, &plan, a)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		writeIdentity(ctx, resp.Private, a.Identity, &resp.Diagnostics)
	})
	applyApp(ctx, &plan, app)
	writeIdentity(ctx, resp.Private, app.Identity, &resp.Diagnostics)
	if err != nil {
		if app.VMID != 0 {
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		} else {
			// Saved earlier, then removed by PVE with its failed task.
			resp.State.RemoveResource(ctx)
		}
		resp.Diagnostics.AddError("Unable to deploy the application", fmt.Sprintf("deploying %s as %s: %v", spec.CatalogID, spec.Hostname, err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *applicationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state applicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	// One call and a share of the cluster listing when the address is
	// known; the status and the address only when they are needed.
	node, vmid, running := state.Node.ValueString(), int(state.VMID.ValueInt64()), state.Status.ValueString() == "running"
	var o deploy.Observed
	var err error
	if state.IPAddress.ValueString() == "" || !running {
		o, err = r.deps().Observe(ctx, node, vmid)
	} else {
		o, err = r.deps().ObserveCheap(ctx, node, vmid, running)
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err))
		return
	}
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	if !o.Gone && !belongs(o, identity, state) {
		// The VMID is someone else's guest now: never touch it.
		notOursWarning(&resp.Diagnostics, state, o)
		o.Gone = true
	}
	if o.Gone {
		// Deleted out of band: its ports are free again, and the plan will
		// create the application anew with a fresh pair.
		if id := state.AllocationID.ValueString(); id != "" {
			if err := r.data.ports.Release(ctx, id); err != nil {
				resp.Diagnostics.AddWarning("Ports of a deleted application not released", err.Error())
			}
		}
		resp.State.RemoveResource(ctx)
		return
	}
	if identity == "" && o.Identity != "" {
		// A state from before identities learns the container's.
		writeIdentity(ctx, resp.Private, o.Identity, &resp.Diagnostics)
	}
	if o.Deploying {
		// This state holds the app now: no later deployment of the same
		// hostname may take the container over.
		if err := r.deps().Confirm(ctx, node, vmid, o); err != nil {
			resp.Diagnostics.AddWarning("Deployment mark not removed", fmt.Sprintf("%s keeps its %s tag until the next refresh: %v", state.ID.ValueString(), deploy.TagDeploying, err))
		}
	}
	state.Memory, state.Cores = types.Int64Value(int64(o.Memory)), types.Int64Value(int64(o.Cores))
	if o.DiskGB > 0 {
		state.DiskGB = types.Int64Value(int64(o.DiskGB))
	}
	state.Status = types.StringValue(map[bool]string{true: "running", false: "stopped"}[o.Running])
	state.Hostname = types.StringValue(o.Hostname)
	state.IPConfig = ipConfigValue(state.IPConfig, o.IPConfig, o.Gateway)
	if o.Description != "" || !state.Description.IsNull() {
		state.Description = types.StringValue(o.Description)
	}
	if len(o.Tags) > 0 || !state.Tags.IsNull() {
		state.Tags, _ = types.SetValueFrom(ctx, types.StringType, nonNil(o.Tags))
	}
	if !o.Running {
		state.IPAddress, state.URL = types.StringValue(""), types.StringValue("")
	}
	if o.Running && o.IP != "" {
		state.IPAddress = types.StringValue(o.IP)
		if entry, ok := r.data.catalog.Get(state.CatalogID.ValueString()); ok {
			state.URL = types.StringValue(fmt.Sprintf("http://%s:%d", o.IP, entry.MainPort()))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *applicationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, 20*time.Minute, &resp.Diagnostics)
	defer cancel()

	node, vmid := state.Node.ValueString(), int(state.VMID.ValueInt64())
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	if o, err := r.deps().Observe(ctx, node, vmid); err != nil {
		resp.Diagnostics.AddError("Unable to update the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err))
		return
	} else if o.Gone || !belongs(o, identity, state) {
		resp.Diagnostics.AddError("The container is no longer this application",
			fmt.Sprintf("%s is gone or is now another guest (%q); nothing was changed. Run terraform apply -refresh-only, then apply again to recreate the app.", state.ID.ValueString(), o.Hostname))
		return
	}
	var takenOver []deploy.Step
	if state.CatalogID.ValueString() == "" {
		// An imported container without an app: deploy the app into it.
		app, err := r.deps().TakeOver(ctx, node, vmid, deploy.Spec{
			CatalogID: plan.CatalogID.ValueString(), Hostname: plan.Hostname.ValueString(), Environment: stringMap(ctx, plan.Environment),
			Tags: stringSet(ctx, plan.Tags), Stopped: plan.Status.ValueString() == "stopped",
		})
		if err != nil {
			// The container may carry the app's identity already: keep it,
			// so the next apply recognises the container and tries again.
			writeIdentity(ctx, resp.Private, app.Identity, &resp.Diagnostics)
			resp.Diagnostics.AddError("Unable to deploy the application into the imported container", fmt.Sprintf("deploying %s into %s: %v", plan.CatalogID.ValueString(), state.ID.ValueString(), err))
			return
		}
		takenOver = app.Log
		identity = app.Identity
		writeIdentity(ctx, resp.Private, identity, &resp.Diagnostics)
		plan.PublicPort, plan.InternalPort = types.Int64Value(int64(app.PublicPort)), types.Int64Value(int64(app.InternalPort))
		plan.AllocationID = types.StringValue(app.AllocationID)
		plan.IPAddress, plan.URL = types.StringValue(app.IP), types.StringValue(app.URL)
		// The app now runs as configured: what remains are the container's settings.
		state.CatalogID, state.PublicPort, state.InternalPort = plan.CatalogID, plan.PublicPort, plan.InternalPort
		state.Tags, state.Environment, state.Status, state.RestartTriggers = plan.Tags, plan.Environment, plan.Status, plan.RestartTriggers
	}
	c := deploy.Change{CatalogID: state.CatalogID.ValueString(), Identity: identity, PublicPort: int(state.PublicPort.ValueInt64()), InternalPort: int(state.InternalPort.ValueInt64())}
	if !plan.Memory.IsUnknown() && !plan.Memory.Equal(state.Memory) {
		c.Memory = int(plan.Memory.ValueInt64())
	}
	if !plan.Cores.IsUnknown() && !plan.Cores.Equal(state.Cores) {
		c.Cores = int(plan.Cores.ValueInt64())
	}
	if !plan.DiskGB.IsUnknown() && !plan.DiskGB.Equal(state.DiskGB) {
		c.DiskGB = int(plan.DiskGB.ValueInt64())
	}
	if !plan.Description.Equal(state.Description) {
		d := plan.Description.ValueString()
		c.Description = &d
	}
	if !plan.Tags.Equal(state.Tags) {
		c.Tags = nonNil(stringSet(ctx, plan.Tags))
	}
	c.Environment, c.Redeploy = stringMap(ctx, plan.Environment), !plan.Environment.Equal(state.Environment)
	if restoreChanges(plan, state) {
		c.RestoreFrom = plan.RestoreFrom.ValueString()
	}
	c.Restart = !plan.RestartTriggers.Equal(state.RestartTriggers)
	if !plan.Status.Equal(state.Status) {
		running := plan.Status.ValueString() == "running"
		c.Running = &running
	}
	if !plan.IPConfig.Equal(state.IPConfig) {
		address, gateway := ipConfigOf(plan.IPConfig)
		c.Network = &deploy.Network{IP: address, Gateway: gateway}
	}
	if passwordChanges(ctx, req.Config, plan, state) {
		password := plan.Password.ValueString()
		if plan.Password.IsNull() {
			var wo types.String
			resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
			password = wo.ValueString()
		}
		c.Password = &password
	}
	steps, err := r.deps().Update(ctx, node, vmid, c)
	steps = append(takenOver, steps...)
	if err != nil {
		resp.Diagnostics.AddError("Unable to update the application", fmt.Sprintf("updating %s: %v", state.ID.ValueString(), err))
		return
	}
	if takenOver != nil {
		plan.DeploymentLog = stepList(ctx, steps)
	}
	if len(steps) > 0 && (c.Redeploy || c.Restart || c.Running != nil || c.Password != nil || c.Network != nil || c.RestoreFrom != "") {
		plan.DeploymentLog = stepList(ctx, steps)
		o, err := r.deps().Observe(ctx, node, vmid)
		plan.IPAddress, plan.URL = state.IPAddress, state.URL
		if err != nil {
			resp.Diagnostics.AddWarning("Address not read", fmt.Sprintf("reading the address of %s after the update: %v; the next refresh reads it", state.ID.ValueString(), err))
		} else {
			plan.IPAddress, plan.URL = types.StringValue(o.IP), types.StringValue("")
			if entry, ok := r.data.catalog.Get(state.CatalogID.ValueString()); ok && o.IP != "" {
				plan.URL = types.StringValue(fmt.Sprintf("http://%s:%d", o.IP, entry.MainPort()))
			}
		}
	}
	// Computed values the plan left open and no step set keep what the
	// state had (an imported container has no template or password known).
	for _, v := range []struct{ planned, had *types.String }{
		{&plan.Password, &state.Password}, {&plan.Template, &state.Template}, {&plan.Storage, &state.Storage},
		{&plan.IPAddress, &state.IPAddress}, {&plan.URL, &state.URL}, {&plan.AllocationID, &state.AllocationID},
	} {
		if v.planned.IsUnknown() {
			*v.planned = *v.had
		}
	}
	if plan.DeploymentLog.IsUnknown() {
		plan.DeploymentLog = stepList(ctx, steps)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *applicationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state applicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, 10*time.Minute, &resp.Diagnostics)
	defer cancel()
	vmid := int(state.VMID.ValueInt64())
	o, err := r.deps().Observe(ctx, state.Node.ValueString(), vmid)
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err))
		return
	}
	switch {
	case o.Gone:
		// Nothing to destroy; the VMID may be handed out again any moment.
		vmid = 0
	case !belongs(o, readIdentity(ctx, req.Private, &resp.Diagnostics), state):
		// Only the ports are the app's still; the guest is someone else's.
		notOursWarning(&resp.Diagnostics, state, o)
		vmid = 0
	}
	if err := r.deps().Destroy(ctx, state.Node.ValueString(), vmid, state.AllocationID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Unable to delete the application", fmt.Sprintf("deleting %s: %v", state.ID.ValueString(), err))
	}
}
