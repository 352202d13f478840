package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// applicationBoot is the part of an application's model that says how its
// container boots and what guards it (deploy.Boot); applicationModel embeds
// it.
type applicationBoot struct {
	OnBoot     types.Bool   `tfsdk:"onboot"`
	Startup    types.Object `tfsdk:"startup"`
	Swap       types.Int64  `tfsdk:"swap"`
	Protection types.Bool   `tfsdk:"protection"`
	Features   types.Object `tfsdk:"features"` // application_boot_features.go
	Pool       types.String `tfsdk:"pool"`
}

// startupAttributes are PVE's startup option, one attribute per part.
var startupAttributes = map[string]schema.Attribute{
	"order": schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: "Position among the node's guests when they start at boot (lower first); shutdown goes in reverse.",
		Validators:          []validator.Int64{int64validator.AtLeast(0)},
	},
	"up": schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: "Seconds PVE waits after starting this container before it starts the next guest.",
		Validators:          []validator.Int64{int64validator.AtLeast(0)},
	},
	"down": schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: "Seconds PVE waits for this container to shut down before it stops the next guest.",
		Validators:          []validator.Int64{int64validator.AtLeast(0)},
	},
}

// addBootAttributes adds vmid, onboot, startup, swap and protection to the
// application's schema.
func addBootAttributes(attributes map[string]schema.Attribute) {
	attributes["vmid"] = schema.Int64Attribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: fmt.Sprintf("VMID of the container. Default: a free one, chosen at create (in the provider's `vmid_range` "+
			"when set, else PVE's next free VMID). Setting it creates the container under that VMID (%d to %d); changing it "+
			"replaces the application. A VMID another guest holds is refused at plan time (the cluster listing names that guest) and "+
			"again by PVE at apply; that guest is never touched.", deploy.MinVMID, deploy.MaxVMID),
		Validators:    []validator.Int64{int64validator.Between(deploy.MinVMID, deploy.MaxVMID)},
		PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()},
	}
	attributes["onboot"] = schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(deploy.DefaultOnBoot),
		MarkdownDescription: "Start the container when its node boots. Default: `true`. Changes in place; takes effect at the " +
			"node's next boot.",
	}
	attributes["startup"] = schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Start and shutdown order among the node's guests at boot (PVE's `startup` option, " +
			"`order=N,up=N,down=N`); set at least one part. Leaving it out removes the option. Changes in place; takes effect at " +
			"the node's next boot or shutdown.",
		Attributes: startupAttributes,
		Validators: []validator.Object{startupNotEmpty{}},
	}
	attributes["features"] = featuresAttribute()
	attributes["pool"] = schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "Resource pool of the container, which must exist. Changes in place (PVE's `PUT /pools`, moving the " +
			"container out of the pool it was in). Read back from the cluster listing, which shows a guest's pool only to an " +
			"identity with `Pool.Audit` on it: the plan checks for `Pool.Audit`, and for `Pool.Allocate` on both pools when it " +
			"moves. Leaving it out takes the container out of its pool.",
		Validators: []validator.String{stringCheck{"a pool name such as apps or apps/media", deploy.CheckPoolID}},
	}
	attributes["swap"] = schema.Int64Attribute{
		Optional: true,
		Computed: true,
		Default:  int64default.StaticInt64(deploy.DefaultSwap),
		MarkdownDescription: fmt.Sprintf("Swap of the container in MiB. Default: %d, PVE's default. Changes in place, also "+
			"on a running container.", deploy.DefaultSwap),
		Validators: []validator.Int64{int64validator.AtLeast(0)},
	}
	attributes["protection"] = schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
		MarkdownDescription: "PVE's protection flag: PVE refuses to remove the container or its disks. A create sets it only " +
			"once everything else succeeded (a failed create can still remove its container). With it set, a destroy or a " +
			"replacement fails before stopping anything: set `protection = false` and apply first. A restore over the container " +
			"and a change of its disks are refused by PVE too. Changes in place. Default: `false`.",
	}
}

// startupNotEmpty refuses a startup block with no part set: PVE would keep
// no option, and the next read would differ from the configuration.
type startupNotEmpty struct{}

func (startupNotEmpty) Description(context.Context) string {
	return "at least one of order, up and down"
}

func (v startupNotEmpty) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (startupNotEmpty) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, v := range req.ConfigValue.Attributes() {
		if !v.IsNull() {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty startup",
		"Set at least one of order, up and down, or leave startup out to have no startup order.")
}

// boot is the Boot a create asks for: every option the plan knows.
func (b applicationBoot) boot() deploy.Boot {
	return deploy.Boot{
		OnBoot:     bootBool(b.OnBoot),
		Startup:    startupOf(b.Startup),
		Swap:       bootInt(b.Swap),
		Protection: bootBool(b.Protection),
		Pool:       b.Pool.ValueStringPointer(),
	}
}

// bootChange is the change of the boot options from the state's to the
// plan's, nil when none changes.
func (b applicationBoot) bootChange(state applicationBoot) *deploy.Boot {
	var c deploy.Boot
	changed := false
	if !b.OnBoot.IsUnknown() && !b.OnBoot.Equal(state.OnBoot) {
		c.OnBoot, changed = bootBool(b.OnBoot), true
	}
	if !b.Swap.IsUnknown() && !b.Swap.Equal(state.Swap) {
		c.Swap, changed = bootInt(b.Swap), true
	}
	if !b.Protection.IsUnknown() && !b.Protection.Equal(state.Protection) {
		c.Protection, changed = bootBool(b.Protection), true
	}
	if !b.Pool.IsUnknown() && !b.Pool.Equal(state.Pool) {
		pool := b.Pool.ValueString() // "": out of its pool
		c.Pool, changed = &pool, true
	}
	if !b.Startup.IsUnknown() && !b.Startup.Equal(state.Startup) {
		c.Startup, changed = startupOf(b.Startup), true
		if c.Startup == nil {
			c.Startup = &deploy.Startup{} // removed: delete the option
		}
	}
	if !changed {
		return nil
	}
	return &c
}

// setBoot records the boot options and feature flags a read found.
func (b *applicationBoot) setBoot(observed deploy.Observed) {
	b.setFeatures(observed.Features)
	o := observed.Boot
	if o.OnBoot != nil {
		b.OnBoot = types.BoolValue(*o.OnBoot)
	}
	if o.Swap != nil {
		b.Swap = types.Int64Value(int64(*o.Swap))
	}
	if o.Protection != nil {
		b.Protection = types.BoolValue(*o.Protection)
	}
	b.Startup = startupValue(o.Startup)
	if o.Pool != nil {
		b.Pool = stringOrNull(*o.Pool)
	}
}

// planBootAccess adds the pool to the privileges a plan checks: Pool.Audit
// on it, and Pool.Allocate on both pools of a move (deploy's poolNeeds).
func planBootAccess(plan, state applicationModel, creating bool, planned *deploy.PlannedApplication) {
	planned.Pool = stringOrEmpty(plan.Pool)
	if creating && !plan.VMID.IsNull() && !plan.VMID.IsUnknown() {
		planned.VMID = int(plan.VMID.ValueInt64()) // create_vm checks VM.Allocate on /vms/<vmid>
	}
	if !creating && !plan.Pool.IsUnknown() && !plan.Pool.Equal(state.Pool) {
		planned.PoolMoves, planned.OldPool = true, stringOrEmpty(state.Pool)
	}
}

func bootBool(v types.Bool) *bool {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	b := v.ValueBool()
	return &b
}

func bootInt(v types.Int64) *int {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	n := int(v.ValueInt64())
	return &n
}

// startupOf reads the startup object; nil when it is null or unknown.
func startupOf(o types.Object) *deploy.Startup {
	if o.IsNull() || o.IsUnknown() {
		return nil
	}
	part := func(name string) *int {
		if v, ok := o.Attributes()[name].(types.Int64); ok {
			return bootInt(v)
		}
		return nil
	}
	return &deploy.Startup{Order: part("order"), Up: part("up"), Down: part("down")}
}

// startupValue is the startup object of a read: null when the container
// has no startup option.
func startupValue(s *deploy.Startup) types.Object {
	objectType := attrTypes(startupAttributes)
	if s == nil || s.IsZero() {
		return basetypes.NewObjectNull(objectType)
	}
	value := func(n *int) attr.Value {
		if n == nil {
			return basetypes.NewInt64Null()
		}
		return basetypes.NewInt64Value(int64(*n))
	}
	return basetypes.NewObjectValueMust(objectType, map[string]attr.Value{"order": value(s.Order), "up": value(s.Up), "down": value(s.Down)})
}

// planVMID checks at plan time a VMID the configuration names for a new
// container (a create, a replacement because vmid changed, or one because
// the app's container is gone, when PVE may have given its VMID to another
// guest): another guest holding it is an error naming that guest. It reads the cluster
// listing the refresh shares, and writes nothing. It also refuses a
// restore over a protected container (deploy.CheckRestore).
func (r *applicationResource) planVMID(
	ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel, resp *resource.ModifyPlanResponse,
) {
	if !req.State.Raw.IsNull() {
		var state applicationModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if restoreChanges(plan, state) {
			if err := deploy.CheckRestore(int(state.VMID.ValueInt64()), state.Protection.ValueBool()); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("restore_from"), "Protected container", err.Error())
			}
		}
		var configured types.Int64
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("vmid"), &configured)...)
		if state.VMID.Equal(plan.VMID) && (configured.IsNull() || !readGone(ctx, req.Private, &resp.Diagnostics)) {
			return
		}
	}
	if plan.VMID.IsNull() || plan.VMID.IsUnknown() {
		return
	}
	err := r.data.apps.CheckVMID(ctx, int(plan.VMID.ValueInt64()))
	var taken *deploy.VMIDTakenError
	if errors.As(err, &taken) {
		resp.Diagnostics.AddAttributeError(path.Root("vmid"), "VMID taken", err.Error())
	} else if err != nil {
		addAttributeError(&resp.Diagnostics, path.Root("vmid"), "Unable to check the VMID", "listing the cluster's guests: "+err.Error(), err)
	}
}

// planGoneReplacement makes the plan replace an application whose
// container is gone: Terraform replaces only for a RequiresReplace path
// whose value changes, so vmid becomes unknown; a vmid the configuration
// sets must stay as written (Terraform refuses a plan that differs from
// it), so then id, which names the container, becomes unknown instead.
func planGoneReplacement(ctx context.Context, config tfsdk.Config, resp *resource.ModifyPlanResponse) {
	var vmid types.Int64
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root("vmid"), &vmid)...)
	if vmid.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("vmid"), types.Int64Unknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("vmid"))
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("id"))
}

// bootRemedy maps deploy's errors about the controls of this file onto
// their attributes; the messages say what to do.
func bootRemedy(err error) (remedy, bool) {
	var (
		protected *deploy.ProtectedError
		taken     *deploy.VMIDTakenError
		full      *deploy.VMIDRangeFullError
	)
	switch {
	case errors.As(err, &protected):
		return remedy{attr: path.Root("protection")}, true
	case errors.As(err, &taken):
		return remedy{attr: path.Root("vmid")}, true
	case errors.As(err, &full):
		return remedy{attr: path.Root("vmid_range"), provider: true}, true
	}
	return remedy{}, false
}
