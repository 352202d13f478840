package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var (
	_ resource.ResourceWithConfigure   = (*applicationResource)(nil)
	_ resource.ResourceWithImportState = (*applicationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*applicationResource)(nil)
)

var (
	hostnamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	userTagPattern  = regexp.MustCompile(`^[a-z0-9_][a-z0-9_+.-]*$`)
	envKeyPattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func newApplicationResource() resource.Resource { return &applicationResource{} }

// applicationResource is one catalog app in its own LXC container.
type applicationResource struct {
	data *providerData
}

type applicationModel struct {
	ID              types.String   `tfsdk:"id"`
	CatalogID       types.String   `tfsdk:"catalog_id"`
	Hostname        types.String   `tfsdk:"hostname"`
	Node            types.String   `tfsdk:"node"`
	Template        types.String   `tfsdk:"template"`
	Storage         types.String   `tfsdk:"storage"`
	Bridge          types.String   `tfsdk:"bridge"`
	SSHPublicKeys   types.String   `tfsdk:"ssh_public_keys"`
	Memory          types.Int64    `tfsdk:"memory"`
	Cores           types.Int64    `tfsdk:"cores"`
	DiskGB          types.Int64    `tfsdk:"disk_gb"`
	Environment     types.Map      `tfsdk:"environment"`
	Password        types.String   `tfsdk:"password"`
	Status          types.String   `tfsdk:"status"`
	RestartTriggers types.Map      `tfsdk:"restart_triggers"`
	Tags            types.Set      `tfsdk:"tags"`
	Description     types.String   `tfsdk:"description"`
	VMID            types.Int64    `tfsdk:"vmid"`
	PublicPort      types.Int64    `tfsdk:"public_port"`
	InternalPort    types.Int64    `tfsdk:"internal_port"`
	AllocationID    types.String   `tfsdk:"allocation_id"`
	PortAllocation  types.String   `tfsdk:"port_allocation_id"`
	IPAddress       types.String   `tfsdk:"ip_address"`
	URL             types.String   `tfsdk:"url"`
	DeploymentLog   types.List     `tfsdk:"deployment_log"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

var stepType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"step": types.StringType, "status": types.StringType, "message": types.StringType,
	"started_at": types.StringType, "duration_ms": types.Int64Type,
}}

func (r *applicationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application"
}

func (r *applicationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replaceIfSet := []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()}
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A catalog app running in its own LXC container: the container is created, started, given Docker and the " +
			"app's compose project, and checked until every service runs. Needs the provider's `ssh` block.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`node/vmid`.", PlanModifiers: keep},
			"catalog_id": schema.StringAttribute{
				Required: true, MarkdownDescription: "Catalog id of the app, for example `nextcloud`. Changing it replaces the application.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"hostname": schema.StringAttribute{
				Required: true, MarkdownDescription: "Container hostname: one RFC 1123 label (lower-case letters, digits, dashes). Changing it replaces the application.",
				Validators:    []validator.String{stringvalidator.RegexMatches(hostnamePattern, "must be one DNS label: lower-case letters, digits and dashes, at most 63, not starting or ending with a dash")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"node":            schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Node to run on. Default: `default_node`, else the online node with the most free memory that fits the app.", PlanModifiers: replaceIfSet},
			"template":        schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "LXC template (a volid or a template name). Default: Alpine 3.22, else Debian 12, downloaded when missing.", PlanModifiers: replaceIfSet},
			"storage":         schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Storage of the root disk. Default: the one with the most free space that holds container disks.", PlanModifiers: replaceIfSet},
			"bridge":          schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("vmbr0"), MarkdownDescription: "Network bridge. Default `vmbr0`.", PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"ssh_public_keys": schema.StringAttribute{Optional: true, MarkdownDescription: "Public keys for root in the container (one per line), set at creation.", PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"memory": schema.Int64Attribute{
				Optional: true, Computed: true, MarkdownDescription: "Memory in MB. Default: the catalog minimum; it cannot be lower. Changes in place.",
				Validators: []validator.Int64{int64validator.AtLeast(16)}, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"cores": schema.Int64Attribute{
				Optional: true, Computed: true, MarkdownDescription: "CPU cores. Default: the catalog minimum. Changes in place.",
				Validators: []validator.Int64{int64validator.Between(1, 8192)}, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"disk_gb": schema.Int64Attribute{
				Optional: true, Computed: true, MarkdownDescription: "Root disk in GB. Default: the catalog minimum. Grows in place; it cannot shrink.",
				Validators: []validator.Int64{int64validator.AtLeast(1)}, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"environment": schema.MapAttribute{
				Optional: true, ElementType: types.StringType, Sensitive: true,
				MarkdownDescription: "Environment laid over the catalog's defaults (see `proximity_catalog_app`). A change redeploys the compose project in place.",
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(envKeyPattern,
					"must be a variable name: letters, digits and underscores, not starting with a digit"))},
			},
			"password": schema.StringAttribute{
				Optional: true, Computed: true, Sensitive: true,
				MarkdownDescription: "Root password of the container, set at creation; generated when not given. It cannot be changed on an existing application yet.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(5)}, PlanModifiers: keep,
			},
			"status": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("running"),
				MarkdownDescription: "`running` (default) or `stopped`. Changes in place.",
				Validators:          []validator.String{stringvalidator.OneOf("running", "stopped")},
			},
			"restart_triggers": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Any change to these values restarts the app's services without recreating anything.",
			},
			"tags": schema.SetAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Your tags on the container (lower case, as PVE stores them). Proximity's own tags are kept apart and never show here.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(stringvalidator.RegexMatches(userTagPattern, "must be lower case: letters, digits, _ + . - (PVE lower-cases tags)"))},
			},
			"description":   schema.StringAttribute{Optional: true, MarkdownDescription: "Description shown in the PVE web interface. Changes in place."},
			"vmid":          computedInt("VMID of the container."),
			"public_port":   computedInt("Public port of the app, unique in the cluster."),
			"internal_port": computedInt("Internal port of the app, unique in the cluster."),
			"allocation_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the port pair the application allocated itself (empty with `port_allocation_id`); released on destroy.", PlanModifiers: keep},
			"port_allocation_id": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Use the pair of a `proximity_port_allocation` (its `id`) instead of allocating one; the pair stays allocated when the application is destroyed.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"ip_address":     schema.StringAttribute{Computed: true, MarkdownDescription: "IPv4 address of the container."},
			"url":            schema.StringAttribute{Computed: true, MarkdownDescription: "`http://<ip>:<main port>`."},
			"deployment_log": schema.ListAttribute{Computed: true, ElementType: stepType, MarkdownDescription: "Steps of the last create or update: step, status, message, started_at, duration_ms.", PlanModifiers: nil},
			"timeouts":       timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *applicationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

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

func (r *applicationResource) deps() *deploy.Deps {
	return &deploy.Deps{Client: r.data.client, Nodes: r.data.nodes, Ports: r.data.ports, Catalog: r.data.catalog, DefaultNode: r.data.settings.defaultNode}
}

func (r *applicationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan applicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 30*time.Minute)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if plan.Password.IsUnknown() || plan.Password.IsNull() {
		plan.Password = types.StringValue(randomPassword())
	}
	spec := deploy.Spec{
		CatalogID: plan.CatalogID.ValueString(), Hostname: plan.Hostname.ValueString(), Node: stringOrEmpty(plan.Node),
		Template: stringOrEmpty(plan.Template), Storage: stringOrEmpty(plan.Storage), Bridge: plan.Bridge.ValueString(),
		SSHPublicKeys: plan.SSHPublicKeys.ValueString(), Password: plan.Password.ValueString(), Description: plan.Description.ValueString(),
		Memory: int(plan.Memory.ValueInt64()), Cores: int(plan.Cores.ValueInt64()), DiskGB: int(plan.DiskGB.ValueInt64()),
		Environment: stringMap(ctx, plan.Environment), Tags: stringSet(ctx, plan.Tags), Stopped: plan.Status.ValueString() == "stopped",
		PortAllocationID: plan.PortAllocation.ValueString(),
	}
	app, err := r.deps().Create(ctx, spec, func(a deploy.App) {
		// The container exists: save it now, so a failure later taints it
		// instead of leaving an orphan.
		applyApp(ctx, &plan, a)
		resp.State.Set(ctx, &plan)
	})
	applyApp(ctx, &plan, app)
	if err != nil {
		if app.VMID != 0 {
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		resp.Diagnostics.AddError("Unable to deploy the application", fmt.Sprintf("deploying %s as %s: %v", spec.CatalogID, spec.Hostname, err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func applyApp(ctx context.Context, m *applicationModel, a deploy.App) {
	if a.VMID != 0 {
		m.ID = types.StringValue(a.Node + "/" + strconv.Itoa(a.VMID))
		m.VMID = types.Int64Value(int64(a.VMID))
		m.Node = types.StringValue(a.Node)
	}
	m.Template = types.StringValue(a.Template)
	if a.Storage != "" {
		m.Storage = types.StringValue(a.Storage)
	} else if m.Storage.IsUnknown() {
		m.Storage = types.StringNull()
	}
	m.Memory, m.Cores, m.DiskGB = types.Int64Value(int64(a.Memory)), types.Int64Value(int64(a.Cores)), types.Int64Value(int64(a.DiskGB))
	m.PublicPort, m.InternalPort = types.Int64Value(int64(a.PublicPort)), types.Int64Value(int64(a.InternalPort))
	m.AllocationID = types.StringValue(a.AllocationID)
	m.IPAddress, m.URL = types.StringValue(a.IP), types.StringValue(a.URL)
	m.DeploymentLog = stepList(ctx, a.Log)
}

func stepList(ctx context.Context, steps []deploy.Step) types.List {
	values := make([]attr.Value, 0, len(steps))
	for _, s := range steps {
		obj, _ := types.ObjectValue(stepType.AttrTypes, map[string]attr.Value{
			"step": types.StringValue(s.Name), "status": types.StringValue(s.Status), "message": types.StringValue(s.Message),
			"started_at": types.StringValue(s.StartedAt.Format(time.RFC3339)), "duration_ms": types.Int64Value(s.Duration.Milliseconds()),
		})
		values = append(values, obj)
	}
	list, _ := types.ListValue(stepType, values)
	return list
}

func (r *applicationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state applicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Two calls when the address is known; a third only to learn it.
	observe := r.deps().ObserveCheap
	if state.IPAddress.ValueString() == "" || state.Status.ValueString() != "running" {
		observe = r.deps().Observe
	}
	o, err := observe(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()))
	if err != nil {
		resp.Diagnostics.AddError("Unable to read the application", fmt.Sprintf("reading %s: %v", state.ID.ValueString(), err))
		return
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
	state.Memory, state.Cores = types.Int64Value(int64(o.Memory)), types.Int64Value(int64(o.Cores))
	if o.DiskGB > 0 {
		state.DiskGB = types.Int64Value(int64(o.DiskGB))
	}
	state.Status = types.StringValue(map[bool]string{true: "running", false: "stopped"}[o.Running])
	state.Hostname = types.StringValue(o.Hostname)
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
	timeout, diags := plan.Timeouts.Update(ctx, 20*time.Minute)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := deploy.Change{CatalogID: state.CatalogID.ValueString(), PublicPort: int(state.PublicPort.ValueInt64()), InternalPort: int(state.InternalPort.ValueInt64())}
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
	if !plan.Environment.Equal(state.Environment) {
		c.Redeploy, c.Environment = true, stringMap(ctx, plan.Environment)
	}
	c.Restart = !plan.RestartTriggers.Equal(state.RestartTriggers)
	if !plan.Status.Equal(state.Status) {
		running := plan.Status.ValueString() == "running"
		c.Running = &running
	}
	node, vmid := state.Node.ValueString(), int(state.VMID.ValueInt64())
	steps, err := r.deps().Update(ctx, node, vmid, c)
	if err != nil {
		resp.Diagnostics.AddError("Unable to update the application", fmt.Sprintf("updating %s: %v", state.ID.ValueString(), err))
		return
	}
	if len(steps) > 0 && (c.Redeploy || c.Restart || c.Running != nil) {
		plan.DeploymentLog = stepList(ctx, steps)
		o, err := r.deps().Observe(ctx, node, vmid)
		if err == nil {
			plan.IPAddress, plan.URL = types.StringValue(o.IP), types.StringValue("")
			if entry, ok := r.data.catalog.Get(state.CatalogID.ValueString()); ok && o.IP != "" {
				plan.URL = types.StringValue(fmt.Sprintf("http://%s:%d", o.IP, entry.MainPort()))
			}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *applicationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state applicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 10*time.Minute)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.deps().Destroy(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), state.AllocationID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Unable to delete the application", fmt.Sprintf("deleting %s: %v", state.ID.ValueString(), err))
	}
}

// ImportState takes node/vmid; a Proximity container brings its catalog id and ports back from its tags.
func (r *applicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	node, vmidText, ok := strings.Cut(req.ID, "/")
	vmid, err := strconv.Atoi(vmidText)
	if !ok || err != nil || node == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("import an application as node/vmid, for example pve2/123; got %q", req.ID))
		return
	}
	o, err := r.deps().Observe(ctx, node, vmid)
	if err != nil || o.Gone {
		resp.Diagnostics.AddError("Unable to import the application", fmt.Sprintf("no container %d on node %s (%v)", vmid, node, err))
		return
	}
	if o.CatalogID == "" {
		resp.Diagnostics.AddError("Not a Proximity container", fmt.Sprintf("CT %d on %s has no px-app-<catalog id> tag; only containers Proximity created can be imported for now", vmid, node))
		return
	}
	alloc, err := r.data.ports.Adopt(ctx, o.Hostname, o.PublicPort, o.InternalPort)
	if err != nil {
		resp.Diagnostics.AddError("Unable to record the application's ports", err.Error())
		return
	}
	set := func(name string, v any) { resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...) }
	set("id", req.ID)
	set("node", node)
	set("vmid", int64(vmid))
	set("catalog_id", o.CatalogID)
	set("hostname", o.Hostname)
	set("public_port", int64(o.PublicPort))
	set("internal_port", int64(o.InternalPort))
	set("allocation_id", alloc.ID)
	set("bridge", o.Bridge)
	set("status", "running")
	set("deployment_log", types.ListValueMust(stepType, nil))
}

func stringOrEmpty(v types.String) string {
	if v.IsNull() || v.IsUnknown() {
		return ""
	}
	return v.ValueString()
}

func stringMap(ctx context.Context, m types.Map) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	_ = m.ElementsAs(ctx, &out, false)
	return out
}

func stringSet(ctx context.Context, s types.Set) []string {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	_ = s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out
}

func randomPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
