package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
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

func (r *applicationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, 30*time.Minute, &resp.Diagnostics)
	defer cancel()
	// No log line or diagnostic shows a secret value (application_secret_environment.go).
	ctx = hideSecrets(ctx, plan.secretValues(ctx))
	defer func() { redactSecrets(&resp.Diagnostics, plan.secretValues(ctx)) }()

	password := plan.Password.ValueString()
	if writeOnlyPassword(ctx, req.Config, &resp.Diagnostics) {
		password, plan.Password = configuredPasswordWO(ctx, req.Config, &resp.Diagnostics), types.StringNull()
	} else if plan.Password.IsUnknown() || plan.Password.IsNull() {
		password = randomPassword()
		plan.Password = types.StringValue(password)
	}
	spec := plan.spec(ctx, password, &resp.Diagnostics)
	spec.HealthPath = r.specHealthPath(ctx, plan, &resp.Diagnostics) // application_health.go
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := r.data.apps.Create(ctx, spec, nil)
	created.Log = redactSteps(created.Log, createdSecretValues(ctx, plan, created.GeneratedSecrets)) // deployment_log shows no secret
	plan.setApp(created.App, err, &resp.Diagnostics)
	r.readNetworkAfterCreate(ctx, &plan, created.App)          // the MAC address PVE generated (application_network.go)
	plan.settleMounts(ctx, created.Storage, &resp.Diagnostics) // volumes on the root disk's storage (application_mounts.go)
	r.readGeneratedSecrets(ctx, &plan, created.GeneratedSecrets, err, &resp.Diagnostics)
	writeIdentity(ctx, resp.Private, created.Identity, &resp.Diagnostics)
	writeAskedDisk(ctx, resp.Private, created.DiskGB, &resp.Diagnostics)
	if err != nil {
		if created.Exists && !created.Resumable {
			// A failure after the container was made: recorded, Terraform
			// taints it instead of leaving an orphan. A cancelled create is
			// not recorded: the next apply resumes the container.
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		} else {
			resp.State.RemoveResource(ctx)
		}
		addError(&resp.Diagnostics, createFailureSummary(err), fmt.Sprintf("deploying %s as %s: %v%s", spec.CatalogID, spec.Hostname, err,
			timeoutRanOut(err, plan.Timeouts, "create", 30*time.Minute)), err)
		return
	}
	r.readServicesAfter(ctx, &plan, &resp.Diagnostics)
	r.syncGateway(ctx, "the create of "+plan.ID.ValueString(), &resp.Diagnostics) // application_urls.go
	r.setURLs(ctx, &plan, &resp.Diagnostics)
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
	// A refresh writes nothing, to PVE or to the allocation table: what it
	// finds to repair is kept in the private state (Terraform's own) for
	// the plan to show and the next apply to do.
	o, err := r.observe(ctx, state)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err), err)
		return
	}
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	rec := recorded(state, identity)
	owned, err := r.data.apps.Owns(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), o, rec)
	if err == nil && o.Gone { // migrated out of band? (application_relocate.go)
		o, owned, err = r.followMoved(ctx, &state, o, rec, &resp.Diagnostics)
	}
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read the application",
			fmt.Sprintf("checking that %s is still the application: %v", state.ID.ValueString(), err), err)
		return
	}
	if !owned {
		r.forget(ctx, state, o, resp)
		return
	}
	writeGone(ctx, resp.Private, false, &resp.Diagnostics)
	if identity == "" && o.Identity != "" {
		// A state from before identities learns the container's.
		writeIdentity(ctx, resp.Private, o.Identity, &resp.Diagnostics)
	}
	// Proximity's own tags removed out of band, and a deploying mark left
	// on an app this state holds: the next update of the app rewrites the
	// tags (repairOwnTags); meanwhile the state keeps what it recorded.
	writeOwnTags(ctx, resp.Private, ownTagsSeen{Missing: o.MissingTags(rec), Deploying: o.Deploying}, &resp.Diagnostics)
	if err := r.data.apps.ObserveServices(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), &o); err != nil {
		// The API answered and the node's SSH did not (a changed host
		// key, a CI job without SSH): the plan goes on without the
		// services, as it would with no SSH at all, instead of failing
		// every plan and destroy of the node's apps.
		resp.Diagnostics.AddWarning("The application's services were not read",
			fmt.Sprintf("reading the services of %s: %v. The plan cannot show whether they run; the next refresh reads them again.",
				state.ID.ValueString(), err))
	} else if o.ServicesProblem != "" {
		resp.Diagnostics.AddWarning("The application's services did not answer",
			fmt.Sprintf("%s: %s. The application reads as degraded; the next apply runs compose up in it.", state.ID.ValueString(), o.ServicesProblem))
	}
	state.setObserved(ctx, o.WithRecorded(rec), &resp.Diagnostics)
	r.setURLs(ctx, &state, &resp.Diagnostics) // through the gateway when there is one (application_urls.go)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// observe reads the container: one call and a share of the cluster listing
// when the address is known, the status and the address only when they are
// needed.
func (r *applicationResource) observe(ctx context.Context, state applicationModel) (deploy.Observed, error) {
	node, vmid, running := state.Node.ValueString(), int(state.VMID.ValueInt64()), state.Status.ValueString() != statusStopped // or degraded
	if state.IPAddress.ValueString() == "" || !running {
		return r.data.apps.Observe(ctx, node, vmid)
	}
	return r.data.apps.ObserveCheap(ctx, node, vmid, running)
}

// forget handles an application whose container was deleted out of band,
// or whose VMID is now someone else's guest (never touched). A refresh
// writes nothing, so the application stays in the state, marked gone in
// the private state: the plan replaces it (planGone), and the apply's
// destroy releases its ports, exactly once, and deletes no guest (Delete
// finds it gone or not the app's); removed from the configuration, it is
// destroyed the same way. Dropping it from the state here would leave its
// pair in the allocation table for good.
func (r *applicationResource) forget(ctx context.Context, state applicationModel, o deploy.Observed, resp *resource.ReadResponse) {
	if o.Gone {
		resp.Diagnostics.AddWarning("The application's container is gone",
			fmt.Sprintf("CT %d on %s no longer exists: it was deleted out of band. The next apply creates the application anew "+
				"and releases its ports.", state.VMID.ValueInt64(), state.Node.ValueString()))
	} else {
		notOursWarning(&resp.Diagnostics, state, o)
	}
	writeGone(ctx, resp.Private, true, &resp.Diagnostics)
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
	// No log line or diagnostic shows a secret value, new or old (application_secret_environment.go).
	ctx = hideSecrets(ctx, append(plan.secretValues(ctx), state.secretValues(ctx)...))
	defer func() { redactSecrets(&resp.Diagnostics, append(plan.secretValues(ctx), state.secretValues(ctx)...)) }()

	node, vmid := state.Node.ValueString(), int(state.VMID.ValueInt64())
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	if o, err := r.data.apps.Observe(ctx, node, vmid); err != nil {
		addError(&resp.Diagnostics, "Unable to update the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err), err)
		return
	} else if o.Gone || !r.belongs(ctx, o, identity, state) {
		resp.Diagnostics.AddError("The container is no longer this application",
			fmt.Sprintf("%s is gone or is now another guest (%q); nothing was changed. Run terraform apply -refresh-only, then apply again to recreate "+
				"the app.", state.ID.ValueString(), o.Hostname))
		return
	}
	var takenOver []deploy.Step
	if state.CatalogID.ValueString() == "" {
		var ok bool
		if takenOver, identity, ok = r.takeOver(ctx, &plan, &state, resp); !ok {
			return
		}
	}
	c := plan.change(ctx, state, identity, r.newPassword(ctx, req.Config, plan, state, &resp.Diagnostics), &resp.Diagnostics)
	// health_check changed, or recorded at a start (application_health.go).
	r.healthChange(ctx, plan, state, &c, &resp.Diagnostics)
	applyRepairs(ctx, req.Private, resp.Private, &c, plan, &resp.Diagnostics) // as planned (planRepairs)
	if resp.Diagnostics.HasError() {
		return
	}
	steps, err := r.data.apps.Update(ctx, node, vmid, c)
	recordRename(ctx, resp.Private, err, &resp.Diagnostics) // a rename left unfinished is finished next time
	if c.Relocate != nil {
		r.followContainer(ctx, resp, &plan, &state, err)
	}
	steps = redactSteps(append(takenOver, steps...), append(plan.secretValues(ctx), state.secretValues(ctx)...))
	plan.DeploymentLog = appliedHistory(plan.DeploymentLog, state.DeploymentLog,
		deploy.NewOperation(updateOperation(c, takenOver != nil), steps, err), &resp.Diagnostics)
	if err != nil {
		recordFailedUpdate(ctx, resp, plan.DeploymentLog)
		addError(&resp.Diagnostics, "Unable to update the application", fmt.Sprintf("updating %s: %v%s", state.ID.ValueString(), err,
			interruption(ctx, plan.Timeouts, "update", 20*time.Minute, steps)), err)
		return
	}
	plan.setMovedPorts(c)
	r.readGeneratedSecrets(ctx, &plan, nil, nil, &resp.Diagnostics)
	if c.MovesAddress() {
		r.readAddress(ctx, &plan, state, &resp.Diagnostics)
	}
	r.syncGateway(ctx, "the update of "+state.ID.ValueString(), &resp.Diagnostics) // application_urls.go
	if plan.URL.IsUnknown() || plan.EmbedURL.IsUnknown() || plan.DirectURL.IsUnknown() {
		r.setURLs(ctx, &plan, &resp.Diagnostics) // planned unknown: the address or publish changed
	}
	keepUnknown(&plan, state)
	r.readServicesAfter(ctx, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// takeOver deploys the configured app into a container imported without
// one. The plan gets the app's ports and address; the state, which the
// change is measured against, gets the app's settings, as the app now runs
// as configured. ok is false when the deployment failed.
func (r *applicationResource) takeOver(
	ctx context.Context, plan, state *applicationModel, resp *resource.UpdateResponse,
) (log []deploy.Step, identity string, ok bool) {
	spec := plan.takeOverSpec(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return nil, "", false
	}
	app, err := r.data.apps.TakeOver(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), spec)
	// The container may carry the app's identity even after a failure:
	// keep it, so the next apply recognises the container and tries again.
	writeIdentity(ctx, resp.Private, app.Identity, &resp.Diagnostics)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to deploy the application into the imported container",
			fmt.Sprintf("deploying %s into %s: %v", plan.CatalogID.ValueString(), state.ID.ValueString(), err), err)
		return nil, "", false
	}
	plan.setPorts(app.AllocationID, app.PublicPort, app.InternalPort)
	plan.setAddress(app.IP, app.URL)
	state.CatalogID, state.PublicPort, state.InternalPort = plan.CatalogID, plan.PublicPort, plan.InternalPort
	state.Tags, state.Environment, state.Status, state.RestartTriggers = plan.Tags, plan.Environment, plan.Status, plan.RestartTriggers
	state.SecretEnvironment = plan.SecretEnvironment
	return app.Log, app.Identity, true
}

// newPassword is root's password an update sets, nil when it stays. A
// restore in place sets the configured one again, changed or not: the
// archive brings its own /etc/shadow (none known, as for an imported
// container, keeps the archive's).
func (r *applicationResource) newPassword(ctx context.Context, config tfsdk.Config, plan, state applicationModel, diags *diag.Diagnostics) *string {
	restoring := restoreChanges(plan, state)
	if !passwordChanges(ctx, config, plan, state, diags) && !restoring {
		return nil
	}
	password := plan.Password.ValueString()
	if plan.Password.IsNull() || plan.Password.IsUnknown() {
		password = configuredPasswordWO(ctx, config, diags)
	}
	if password == "" && restoring {
		return nil
	}
	return &password
}

// readAddress reads the container's address after an update that may have
// changed it; a failed read keeps the state's and leaves it to the next
// refresh.
func (r *applicationResource) readAddress(ctx context.Context, plan *applicationModel, state applicationModel, diags *diag.Diagnostics) {
	o, err := r.data.apps.Observe(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()))
	if err != nil {
		plan.IPAddress, plan.URL = state.IPAddress, state.URL
		diags.AddWarning("Address not read", fmt.Sprintf("reading the address of %s after the update: %v; the next refresh reads "+
			"it", state.ID.ValueString(), err))
		return
	}
	plan.setAddress(o.IP, o.URL)
}

// keepUnknown gives the computed values the plan left open and no step set
// what the state had (an imported container has no template or password
// known).
func keepUnknown(plan *applicationModel, state applicationModel) {
	for _, v := range []struct{ planned, had *types.String }{
		{&plan.Password, &state.Password},
		{&plan.Template, &state.Template},
		{&plan.Storage, &state.Storage},
		{&plan.IPAddress, &state.IPAddress},
		{&plan.URL, &state.URL},
		{&plan.EmbedURL, &state.EmbedURL},
		{&plan.DirectURL, &state.DirectURL},
		{&plan.AllocationID, &state.AllocationID},
	} {
		if v.planned.IsUnknown() {
			*v.planned = *v.had
		}
	}
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
	o, err := r.data.apps.Observe(ctx, state.Node.ValueString(), vmid)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to delete the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err), err)
		return
	}
	// As Read does, a failed check fails: only a container proven gone or
	// not the app lets the destroy go on without it.
	identity := readIdentity(ctx, req.Private, &resp.Diagnostics)
	owned, err := r.owns(ctx, o, identity, state)
	if err == nil && o.Gone {
		// Migrated out of band since the last refresh (a destroy with
		// -refresh=false): destroy it where it is, never release the ports
		// of an app that still runs.
		o, owned, err = r.followMoved(ctx, &state, o, recorded(state, identity), &resp.Diagnostics)
		vmid = int(state.VMID.ValueInt64())
	}
	if err != nil {
		addError(&resp.Diagnostics, "Unable to delete the application", fmt.Sprintf("checking that %s is still the application: %v; "+
			"nothing was deleted or released, and the application stays in the state", state.ID.ValueString(), err), err)
		return
	}
	switch {
	case o.Gone:
		// Nothing to destroy; the VMID may be handed out again any moment.
		vmid = 0
	case !owned:
		// Only the ports are the app's still; the guest is someone else's.
		notOursWarning(&resp.Diagnostics, state, o)
		vmid = 0
	}
	if err := r.data.apps.Destroy(ctx, state.Node.ValueString(), vmid, state.AllocationID.ValueString()); err != nil {
		addError(&resp.Diagnostics, "Unable to delete the application", fmt.Sprintf("deleting %s: %v%s", state.ID.ValueString(), err,
			interruption(ctx, state.Timeouts, "delete", 10*time.Minute, nil)), err)
		return
	}
	r.syncGateway(ctx, "the delete of "+state.ID.ValueString(), &resp.Diagnostics) // its route goes (application_urls.go)
}
