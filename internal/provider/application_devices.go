package provider

import (
	"context"
	"regexp"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// devices: device passthrough (PVE's dev0, dev1, ...). The rules are
// deploy's (devices.go).

type deviceModel struct {
	Path types.String `tfsdk:"path"`
	Mode types.String `tfsdk:"mode"`
	UID  types.Int64  `tfsdk:"uid"`
	GID  types.Int64  `tfsdk:"gid"`
}

var deviceType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"path": types.StringType, "mode": types.StringType, "uid": types.Int64Type, "gid": types.Int64Type,
}}

var deviceModePattern = regexp.MustCompile(`^0[0-7]{3}$`)

func devicesAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: "Devices of the node passed through to the container (PVE's `dev0`, `dev1`, ...; PVE 8.1 and later), " +
			"such as `/dev/dri/renderD128` for a GPU that Jellyfin or Plex transcode on. A device is known by its `path`. " +
			"PVE lets only root@pam configure devices, so the provider sets them with `pct set` as root over SSH (the provider's " +
			"`ssh` block must log in as root; a plan without one fails). The device must exist on the node (PVE checks it when " +
			"it is set). PVE gives a running container a changed or removed device, and on PVE 8 a new one too, only at its next " +
			"start, so the apply restarts a running container whose devices change (the plan warns). Devices set out of band show in the plan.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The device node on the node, under `/dev/` (PVE's `pve-lxc-dev-string`), each once.",
			},
			"mode": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Access mode of the device node in the container, in octal such as `0666`. Default: the node's.",
				Validators:          []validator.String{stringvalidator.RegexMatches(deviceModePattern, "must be an octal mode such as 0660 (PVE's 0[0-7]{3})")},
			},
			"uid": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Owner of the device node inside the container. Default: root (0).",
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"gid": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Group of the device node inside the container, such as the `render` group's id. Default: root (0).",
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
		}},
		Validators: []validator.List{devicesValidator{}},
	}
}

// devices reads the devices attribute.
func devices(ctx context.Context, l types.List, diags *diag.Diagnostics) []deploy.Device {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var models []deviceModel
	diags.Append(l.ElementsAs(ctx, &models, false)...)
	out := make([]deploy.Device, 0, len(models))
	for _, m := range models {
		out = append(out, m.device())
	}
	return out
}

func (m deviceModel) device() deploy.Device {
	d := deploy.Device{Path: m.Path.ValueString(), Mode: m.Mode.ValueString()}
	if !m.UID.IsNull() && !m.UID.IsUnknown() {
		uid := int(m.UID.ValueInt64())
		d.UID = &uid
	}
	if !m.GID.IsNull() && !m.GID.IsUnknown() {
		gid := int(m.GID.ValueInt64())
		d.GID = &gid
	}
	return d
}

// setDevices records the devices a read found, in the state's order.
func (m *applicationMounts) setDevices(ctx context.Context, found []deploy.Device, diags *diag.Diagnostics) {
	var known []deviceModel
	if !m.Devices.IsNull() && !m.Devices.IsUnknown() {
		diags.Append(m.Devices.ElementsAs(ctx, &known, false)...)
	}
	order := map[string]int{}
	for i, k := range known {
		order[k.Path.ValueString()] = i
	}
	elems := make([]attr.Value, 0, len(found))
	for _, d := range sortedBy(found, func(d deploy.Device) string { return d.Path }, order) {
		obj, dg := types.ObjectValue(deviceType.AttrTypes, map[string]attr.Value{
			"path": types.StringValue(d.Path), "mode": stringOrNull(d.Mode), "uid": intPtrValue(d.UID), "gid": intPtrValue(d.GID),
		})
		diags.Append(dg...)
		elems = append(elems, obj)
	}
	if len(elems) == 0 && (m.Devices.IsNull() || len(m.Devices.Elements()) == 0) && !m.Devices.IsUnknown() {
		return // none, as the state has it (null or empty)
	}
	l, d := types.ListValue(deviceType, elems)
	diags.Append(d...)
	m.Devices = l
}

func intPtrValue(n *int) types.Int64 {
	if n == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*n))
}

// devicesValidator checks the list by deploy's rule.
type devicesValidator struct{}

func (devicesValidator) Description(context.Context) string {
	return "device paths under /dev/, each once"
}

func (v devicesValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (devicesValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var models []deviceModel
	if resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &models, false)...); resp.Diagnostics.HasError() {
		return
	}
	devs := make([]deploy.Device, 0, len(models))
	for _, m := range models {
		if m.Path.IsUnknown() || m.Mode.IsUnknown() {
			return
		}
		devs = append(devs, m.device())
	}
	for _, e := range deploy.CheckDevices(devs) {
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(e.Index).AtName(e.Field), "Invalid device",
			"devices["+strconv.Itoa(e.Index)+"]."+e.Field+": "+e.Reason+".")
	}
}
