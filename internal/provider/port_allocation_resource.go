package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var (
	_ resource.ResourceWithConfigure   = (*portAllocationResource)(nil)
	_ resource.ResourceWithImportState = (*portAllocationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*portAllocationResource)(nil)
)

func newPortAllocationResource() resource.Resource { return &portAllocationResource{} }

// portAllocationResource is one unique public/internal port pair.
type portAllocationResource struct {
	data *providerData
}

// portAllocationModel is the resource's state: an allocation and the
// configured timeouts.
type portAllocationModel struct {
	allocationModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// allocationModel is one allocation as the resource and each entry of
// proximity_port_usage hold it.
type allocationModel struct {
	ID           types.String `tfsdk:"id"`
	PublicPort   types.Int64  `tfsdk:"public_port"`
	InternalPort types.Int64  `tfsdk:"internal_port"`
	Owner        types.String `tfsdk:"owner"`
	CreatedAt    types.String `tfsdk:"created_at"`
}

// withTimeouts is the resource's state of an allocation with the
// configured timeouts, which the state repeats.
func withTimeouts(a allocstore.Allocation, t timeouts.Value) *portAllocationModel {
	return &portAllocationModel{allocationModel: allocationOf(a), Timeouts: t}
}

func (r *portAllocationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_port_allocation"
}

func (r *portAllocationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A unique pair of ports, one public (default range " +
			"" + rangeText(defaultPublicRange) + ") and one internal (default " + rangeText(defaultInternalRange) + "). " +
			"Pairs are kept in the allocation file under a lock (see the provider's `allocation_store`), so concurrent applies, " +
			"from this or other configurations, never get the same pair.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"public_port": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Public port. Leave it out for the lowest free one, or request one (`public_port = 8123`); " +
					"a requested port must be free and inside `public_port_range`. Changing it allocates a new pair.",
				Validators:    []validator.Int64{int64validator.Between(1, 65535)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplaceIfConfigured()},
			},
			"owner": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "Free text naming what the pair is for; shown to whoever finds the port taken. Changes in place.",
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),

			// Computed attributes
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Allocation id in the allocation file.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"internal_port": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Internal port, the lowest free one in `internal_port_range`.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the pair was allocated (RFC 3339).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *portAllocationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan rejects a requested port outside the provider's range, and an
// identity that cannot see every guest's ports, at plan time; it plans the
// return of an allocation the refresh found missing from the file.
func (r *portAllocationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || req.Plan.Raw.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() && missingFromFile(ctx, req.Private, &resp.Diagnostics) {
		// An update puts it back (SetOwner); created_at, which it keeps, is
		// what the plan shows changing.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("created_at"), types.StringUnknown())...)
		resp.Diagnostics.AddWarning("Port allocation to be put back",
			fmt.Sprintf("The allocation is missing from %s; this apply puts it back from the Terraform state.", r.data.ports.Store.Location()))
	}
	if req.State.Raw.IsNull() && !accessAllowed(&resp.Diagnostics, path.Empty(), r.data.apps.CheckPrivileges(ctx, deploy.PortAllocationNeeds())) {
		return
	}
	var port types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("public_port"), &port)...)
	if port.IsNull() || port.IsUnknown() {
		return
	}
	rng := r.data.ports.Public
	if p := int(port.ValueInt64()); !rng.Contains(p) {
		resp.Diagnostics.AddAttributeError(path.Root("public_port"), "Port outside the public range",
			fmt.Sprintf("public_port %d is outside public_port_range %d-%d; request a port in the range or widen public_port_range in the provider "+
				"block", p, rng.From, rng.To))
	}
}

func (r *portAllocationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan portAllocationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	requested := 0
	if !plan.PublicPort.IsUnknown() && !plan.PublicPort.IsNull() {
		requested = int(plan.PublicPort.ValueInt64())
	}
	a, err := r.data.ports.Allocate(ctx, plan.Owner.ValueString(), requested)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to allocate ports", fmt.Sprintf("allocating in %s: %v", r.data.ports.Store.Location(), err), err)
		return
	}
	tflog.Info(ctx, "allocated port pair", map[string]any{"id": a.ID, "public_port": a.PublicPort, "internal_port": a.InternalPort})
	resp.Diagnostics.Append(resp.State.Set(ctx, withTimeouts(a, plan.Timeouts))...)
}

func (r *portAllocationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state portAllocationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	// A refresh only reads the table: no lock, no write. An allocation
	// missing from the file stays in the state, and the next apply puts it
	// back (ModifyPlan plans that from the private state's mark).
	current, missing, err := r.data.ports.Lookup(ctx, state.allocation())
	if err != nil {
		addError(&resp.Diagnostics, "Port allocation lost", err.Error(), err)
		return
	}
	if missing {
		resp.Diagnostics.AddWarning("Port allocation missing from the file",
			fmt.Sprintf("Allocation %s (ports %d/%d) is missing from %s; the next apply puts it back from the Terraform state.",
				current.ID, current.PublicPort, current.InternalPort, r.data.ports.Store.Location()))
	}
	markMissingFromFile(ctx, resp.Private, missing, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, withTimeouts(current, state.Timeouts))...)
}

func (r *portAllocationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state portAllocationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	a, err := r.data.ports.SetOwner(ctx, state.allocation(), plan.Owner.ValueString())
	if err != nil {
		addError(&resp.Diagnostics, "Unable to update the port allocation", err.Error(), err)
		return
	}
	markMissingFromFile(ctx, resp.Private, false, &resp.Diagnostics) // SetOwner put it back
	resp.Diagnostics.Append(resp.State.Set(ctx, withTimeouts(a, plan.Timeouts))...)
}

func (r *portAllocationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state portAllocationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if err := r.data.ports.Release(ctx, state.ID.ValueString()); err != nil {
		addError(&resp.Diagnostics, "Unable to release the port allocation",
			fmt.Sprintf("releasing %s in %s: %v", state.ID.ValueString(), r.data.ports.Store.Location(), err), err)
	}
}

// ImportState takes the public port: terraform import proximity_port_allocation.web 8105.
func (r *portAllocationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	port, err := strconv.Atoi(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("import a port allocation by its public port, for example 8105; got %q", req.ID))
		return
	}
	a, ok, err := r.data.ports.Find(ctx, port)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read the allocation file", err.Error(), err)
		return
	}
	if !ok {
		resp.Diagnostics.AddError("No such port allocation", fmt.Sprintf("no allocation holds public port %d in %s", port, r.data.ports.Store.Location()))
		return
	}
	// No timeouts are configured at import: the next apply records them.
	none := types.ObjectNull(map[string]attr.Type{
		"create": types.StringType,
		"read":   types.StringType,
		"update": types.StringType,
		"delete": types.StringType,
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, withTimeouts(a, timeouts.Value{Object: none}))...)
}

// missingKey marks, in the private state, an allocation the last refresh
// found missing from the file.
const missingKey = "missing_from_file"

func markMissingFromFile(ctx context.Context, p privateWriter, missing bool, diags *diag.Diagnostics) {
	writeFlag(ctx, p, missingKey, missing, diags)
}

func missingFromFile(ctx context.Context, p privateReader, diags *diag.Diagnostics) bool {
	return readFlag(ctx, p, missingKey, diags)
}

// allocationOf is an allocation as the state holds it.
func allocationOf(a allocstore.Allocation) allocationModel {
	return allocationModel{
		ID:           types.StringValue(a.ID),
		PublicPort:   types.Int64Value(int64(a.PublicPort)),
		InternalPort: types.Int64Value(int64(a.InternalPort)),
		Owner:        types.StringValue(a.Owner),
		CreatedAt:    types.StringValue(a.CreatedAt.UTC().Format(time.RFC3339)),
	}
}

// allocation is the allocation the state records, for the allocation store.
func (m allocationModel) allocation() allocstore.Allocation {
	created, _ := time.Parse(time.RFC3339, m.CreatedAt.ValueString()) // written by allocationOf, so it parses
	return allocstore.Allocation{
		ID:           m.ID.ValueString(),
		PublicPort:   int(m.PublicPort.ValueInt64()),
		InternalPort: int(m.InternalPort.ValueInt64()),
		Owner:        m.Owner.ValueString(),
		CreatedAt:    created,
	}
}
