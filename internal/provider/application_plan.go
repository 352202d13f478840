package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// ModifyPlan checks at plan time what needs the provider's data: the
// identity's privileges and tags, the catalog id, the minimum resources, a
// shrinking disk, and SSH.
func (r *applicationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	r.planGone(ctx, req, resp) // application_repairs.go
	var plan applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.CatalogID.IsUnknown() {
		return
	}
	if r.data.nodes == nil {
		planMountsWithoutSSH(ctx, plan, &resp.Diagnostics) // the attributes that need it (application_mounts_plan.go)
		resp.Diagnostics.AddError("SSH is not configured",
			"Deploying an app runs commands inside its container (pct exec, pct push) through the node that hosts it, which needs SSH to the nodes. "+
				"Add an ssh block to the provider, for example ssh = { private_key = file(\"~/.ssh/id_ed25519\") }.")
		return
	}
	if plansChange(req) && !r.data.checkReach(ctx, stringOrEmpty(plan.Node), &resp.Diagnostics) {
		return // one diagnostic: nothing else can be checked without the API and SSH
	}
	if !r.checkAccess(ctx, req, plan, resp) {
		return // one diagnostic: nothing else is worth checking without the access
	}
	entry, ok := r.checkApp(ctx, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	if req.State.Raw.IsNull() {
		r.checkNode(ctx, plan.Node, resp)
	}
	planMinimums(ctx, req, &plan, entry, resp)
	// vmid (application_boot.go)
	r.planVMID(ctx, req, plan, resp)
	r.planMounts(ctx, req, plan, resp) // application_mounts_plan.go
	r.checkSources(ctx, req, plan, resp)
	if r.planIsolated(ctx, req, &plan, resp) { // network = "proximity" (application_isolated.go)
		r.checkBridge(ctx, req, plan, resp)
	}
	planGeneratedSecrets(ctx, req, plan, entry, resp) // application_secrets.go
	planUnusedEnvironment(ctx, plan, entry, &resp.Diagnostics)
	planExposedSecrets(ctx, plan, entry, &resp.Diagnostics) // application_secret_environment.go
	checkIPConfigGateway(plan.IPConfig, &resp.Diagnostics)  // ip_config_schema.go
	if writeOnlyPassword(ctx, req.Config, &resp.Diagnostics) {
		// The password is not stored: password_wo takes its place.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("password"), types.StringNull())...)
	}
	if !req.State.Raw.IsNull() {
		var state applicationModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		r.planUpdate(ctx, req, plan, state, resp)
		r.planInPlace(ctx, plan, state, resp)
		r.planRelocation(ctx, plan, state, resp)
		r.planTakeOver(ctx, state, resp)
		r.planHistory(ctx, req, state, resp) // last: it reads the plan as the rest left it
	}
}

// checkApp finds the catalog entry of the planned app and reports what it
// asks of the host beyond its container; ok is false when the plan cannot
// go on.
func (r *applicationResource) checkApp(ctx context.Context, plan applicationModel, diags *diag.Diagnostics) (entry *catalog.App, ok bool) {
	entry, err := r.data.apps.CatalogApp(plan.CatalogID.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("catalog_id"), "Unknown catalog app", unknownAppDetail(err))
		return nil, false
	}
	reach := entry.HostReach(plan.environment(ctx, diags))
	if len(reach) == 0 {
		return entry, true
	}
	if !r.data.settings.allowHostAccess {
		diags.AddAttributeError(path.Root("catalog_id"), "The app reaches beyond its container",
			fmt.Sprintf("%s (%s) asks for: %s. Set allow_host_access = true in the provider block to deploy "+
				"it.", entry.Name, entry.Source, strings.Join(reach, "; ")))
		return nil, false
	}
	diags.AddAttributeWarning(path.Root("catalog_id"), "The app reaches beyond its container",
		fmt.Sprintf("%s (%s) asks for: %s. allow_host_access is set, so it is deployed as asked.", entry.Name, entry.Source, strings.Join(reach, "; ")))
	return entry, true
}

// unknownAppDetail says which catalog id is unknown and which are close, as
// deploy's lookup found them.
func unknownAppDetail(err error) string {
	var unknown *deploy.UnknownAppError
	if !errors.As(err, &unknown) {
		return err.Error()
	}
	return fmt.Sprintf("The catalog has no app %q. Closest ids: %s.", unknown.ID, strings.Join(unknown.Closest, ", "))
}

// planMinimums plans memory and cores left out as the catalog minimum (a
// container resized out of band shows as a change back to it), and reports
// sizes below the app's minimum, by deploy's rule.
func planMinimums(
	ctx context.Context, req resource.ModifyPlanRequest, plan *applicationModel, entry *catalog.App, resp *resource.ModifyPlanResponse,
) {
	leastMemory, leastCores, _ := deploy.Minimums(entry)
	for name, v := range map[string]struct {
		planned *types.Int64
		least   int
	}{"memory": {&plan.Memory, leastMemory}, "cores": {&plan.Cores, leastCores}} {
		var configured types.Int64
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &configured)...)
		if configured.IsNull() {
			*v.planned = types.Int64Value(int64(v.least))
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), *v.planned)...)
		}
	}
	known := func(v types.Int64) int {
		if v.IsNull() || v.IsUnknown() {
			return 0
		}
		return int(v.ValueInt64())
	}
	for _, e := range deploy.CheckSizes(entry, known(plan.Memory), known(plan.Cores), known(plan.DiskGB)) {
		attr := sizeAttributes[e.Size]
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Below the app's minimum",
			fmt.Sprintf("%s needs at least %d %s; %s = %d is too small", e.App, e.Least, e.Unit(), attr, e.Asked))
	}
}

// sizeAttributes name deploy's sizes as the schema does.
var sizeAttributes = map[string]string{deploy.SizeMemory: "memory", deploy.SizeCores: "cores", deploy.SizeDisk: "disk_gb"}

// checkNode reports a node that is not in the cluster or is offline, as
// the apply would; a failed listing is left to the apply.
func (r *applicationResource) checkNode(ctx context.Context, node types.String, resp *resource.ModifyPlanResponse) {
	if node.IsNull() || node.IsUnknown() {
		return
	}
	var bad *deploy.NodeError
	if err := r.data.apps.CheckNode(ctx, node.ValueString()); errors.As(err, &bad) {
		summary := "Unknown node"
		if bad.Offline {
			summary = "Node offline"
		}
		resp.Diagnostics.AddAttributeError(path.Root("node"), summary, bad.Error())
	}
}

// checkSources reports, for what a create or restore would read, a backup
// that is not where the restore would look for it and a template that is neither present nor
// downloadable.
func (r *applicationResource) checkSources(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse,
) {
	if from := plan.RestoreFrom; !from.IsNull() && !from.IsUnknown() {
		var previous types.String
		if !req.State.Raw.IsNull() {
			resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("restore_from"), &previous)...)
		}
		if !from.Equal(previous) {
			if _, err := r.data.apps.LocateBackup(ctx, stringOrEmpty(plan.Node), from.ValueString()); err != nil {
				addAttributeError(&resp.Diagnostics, path.Root("restore_from"), "Backup not found", err.Error(), err)
			}
		}
	}
	if tmpl := plan.Template; !tmpl.IsNull() && !tmpl.IsUnknown() && req.State.Raw.IsNull() {
		if err := r.data.apps.CheckTemplate(ctx, stringOrEmpty(plan.Node), tmpl.ValueString()); err != nil {
			addAttributeError(&resp.Diagnostics, path.Root("template"), "Template not available", err.Error(), err)
		}
	}
}

// planUpdate checks what an existing application cannot do; on a container
// imported without an app, the apply deploys one and gets its ports and
// address.
func (r *applicationResource) planUpdate(
	ctx context.Context, req resource.ModifyPlanRequest, plan, state applicationModel, resp *resource.ModifyPlanResponse,
) {
	if passwordChanges(ctx, req.Config, plan, state, &resp.Diagnostics) && plan.Status.ValueString() == statusStopped {
		resp.Diagnostics.AddAttributeError(path.Root("status"), "A stopped application cannot change its password",
			"The root password is set with chpasswd inside the running container. Apply with status = \"running\" first, "+
				"or keep the previous password until the application runs.")
	}
	planDisk(ctx, req, state, resp)
	if state.CatalogID.ValueString() == "" {
		for name, v := range map[string]attr.Value{
			"public_port": types.Int64Unknown(), "internal_port": types.Int64Unknown(), "allocation_id": types.StringUnknown(),
			"ip_address": types.StringUnknown(), "url": types.StringUnknown(),
			"embed_url": types.StringUnknown(), "direct_url": types.StringUnknown(),
		} {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
		}
	}
}

// planHistory says whether an update changes deployment_log, ip_address
// and url, from the plan as every other part of ModifyPlan left it (disk_gb
// kept at a disk grown out of band, for one), which is the plan the apply's
// Update reads: the log gets one more operation only when the update runs
// steps (deploy's Change.RunsSteps, which deploy.Update obeys), and the
// address is unknown only when it may move (Change.MovesAddress).
func (r *applicationResource) planHistory(
	ctx context.Context, req resource.ModifyPlanRequest, state applicationModel, resp *resource.ModifyPlanResponse,
) {
	set := func(name string, v attr.Value) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
	if state.CatalogID.ValueString() == "" {
		set("deployment_log", plannedHistory(state.DeploymentLog, &resp.Diagnostics)) // the take-over
		return
	}
	if configUnknown(req) {
		// What the update does is known only at apply, when Terraform plans
		// again with the values: leave room for whatever it is.
		set("deployment_log", types.MapUnknown(operationType))
		set("ip_address", types.StringUnknown())
		planURLs(set, state, true) // application_urls.go
		return
	}
	var plan applicationModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	// The same Change the apply makes (Update), so the same answer.
	c := plan.change(ctx, state, "", r.newPassword(ctx, req.Config, plan, state, &resp.Diagnostics), &resp.Diagnostics)
	// health_check changed, or recorded at a start (application_health.go).
	r.healthChange(ctx, plan, state, &c, &resp.Diagnostics)
	r.planRepairs(ctx, req, &c, plan, resp) // an unfinished rename, tags removed out of band (application_repairs.go)
	if c.RunsSteps() {
		set("deployment_log", plannedHistory(state.DeploymentLog, &resp.Diagnostics))
	} else {
		set("deployment_log", state.DeploymentLog)
	}
	if c.MovesAddress() {
		set("ip_address", types.StringUnknown())
	} else {
		set("ip_address", state.IPAddress)
	}
	planURLs(set, state, c.MovesAddress() || plan.published() != state.published()) // application_urls.go
	if c.MovesAddress() || c.Redeploy || c.Restart {
		set("services", types.ListUnknown(serviceType)) // read again after the apply (readServicesAfter)
	} else {
		set("services", state.Services)
	}
	if c.MovesAddress() || c.Redeploy || c.Restart || c.HealthPath != nil {
		set("health", types.StringUnknown()) // checked again after the apply (readServicesAfter)
	} else {
		set("health", state.Health)
	}
}

// configUnknown reports whether a value of the configuration is not known
// yet (it refers to another resource's computed attribute, for example).
func configUnknown(req resource.ModifyPlanRequest) bool {
	unknown := false
	_ = tftypes.Walk(req.Config.Raw, func(_ *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if !v.IsKnown() {
			unknown = true
		}
		return !unknown, nil
	})
	return unknown
}

// configuredPasswordWO is password_wo as the configuration sets it: write-only
// values are in the configuration only, never in the plan.
func configuredPasswordWO(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) string {
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	return wo.ValueString()
}

// writeOnlyPassword reports whether the configuration sets password_wo.
func writeOnlyPassword(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) bool {
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	return !wo.IsNull() && !wo.IsUnknown()
}

// passwordChanges reports whether an update sets root's password: a new
// password, or a new password_wo_version with password_wo set.
func passwordChanges(ctx context.Context, config tfsdk.Config, plan, state applicationModel, diags *diag.Diagnostics) bool {
	if !plan.Password.IsNull() && !plan.Password.IsUnknown() && !plan.Password.Equal(state.Password) {
		return true
	}
	return !plan.PasswordVersion.Equal(state.PasswordVersion) && writeOnlyPassword(ctx, config, diags)
}

// restoreChanges reports whether an update restores a backup over the app:
// a new restore_from (dropping it restores nothing).
func restoreChanges(plan, state applicationModel) bool {
	return !plan.RestoreFrom.IsNull() && !plan.RestoreFrom.IsUnknown() && !plan.RestoreFrom.Equal(state.RestoreFrom)
}
