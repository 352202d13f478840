package provider

import (
	"context"
	"path"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// mount_points and devices: the container's mpN and devN. The rules are
// deploy's (mounts.go, devices.go); this file maps them.

// applicationMounts are the attributes of the model this file owns.
type applicationMounts struct {
	MountPoints types.List `tfsdk:"mount_points"`
	Devices     types.List `tfsdk:"devices"`
}

type mountPointModel struct {
	Path     types.String `tfsdk:"path"`
	SizeGB   types.Int64  `tfsdk:"size_gb"`
	Storage  types.String `tfsdk:"storage"`
	Backup   types.Bool   `tfsdk:"backup"`
	HostPath types.String `tfsdk:"host_path"`
	ReadOnly types.Bool   `tfsdk:"read_only"`
}

var mountPointType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"path": types.StringType, "size_gb": types.Int64Type, "storage": types.StringType, "backup": types.BoolType,
	"host_path": types.StringType, "read_only": types.BoolType,
}}

// mountsAttributes are mount_points and devices (devices in
// application_devices.go).
func addMountAttributes(attrs map[string]schema.Attribute) {
	attrs["mount_points"] = schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: "Extra mount points of the container (PVE's `mp0`, `mp1`, ...), each either a **volume** (`size_gb`, " +
			"optional `storage` and `backup`), the data volumes media apps need, or a **bind mount** of a directory of the node " +
			"(`host_path`). A mount point is known by its `path`: reordering the list plans an update that changes nothing on the container.\n\n" +
			"Volumes are made through the API with the provider's identity (`VM.Config.Disk` on the container, " +
			"`Datastore.AllocateSpace` on the storage). Bind mounts are root@pam's alone in PVE, which no API token is: the " +
			"provider sets them with `pct set` as root over SSH on the node (the provider's `ssh` block must log in as root), " +
			"and a plan without an `ssh` block that asks for one fails. The host directory must exist on the node when the " +
			"container starts, and a bind mount without PVE's `shared=1` keeps the container from migrating to another node " +
			"(the plan of a `node` change says so).\n\n" +
			"In place: a new mount point is hot-plugged into a running container; a larger `size_gb` grows the volume (a " +
			"smaller one than the volume has is no change: `size_gb` is a minimum, as `disk_gb` is, and asking less than " +
			"before is refused at plan time). A changed `backup`, `read_only` or `host_path`, and a removed mount point, reach " +
			"a running container only at its next start in PVE, so the apply restarts a running container then (the plan " +
			"warns). **A removed volume is not deleted:** PVE detaches it as `unusedN` in the container's config, data " +
			"intact (reattach it with `pct set`), and deletes it with the container when the application is destroyed or a " +
			"backup is restored over it (`restore_from`). " +
			"Moving a volume to another `storage` is refused. Mount points added or changed out of band show in the plan.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Where it is mounted inside the container: an absolute path other than `/`, without `/./` or " +
					"`/../` (PVE's `pve-lxc-mp-string`) or commas, and each path once.",
			},
			"size_gb": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "A volume's size in GB, at least 1 (a minimum: a volume grown out of band is no drift). Not for bind mounts.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"storage": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "A volume's storage: enabled, active and with content `rootdir` on the node (checked at plan " +
					"time). Default: the storage of the root disk. Null for bind mounts.",
			},
			"backup": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Include the volume in backups (PVE's `backup=1`: vzdump, and `proximity_backup`, save it with " +
					"the root disk; without it the volume is left out, and a restore over the application (`restore_from`) loses its data, " +
					"as PVE's restore destroys the container's volumes first). Default `false`, as in PVE. Volumes only: vzdump never " +
					"saves a bind mount, and the plan refuses `backup = true` on one.",
			},
			"host_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A bind mount's directory on the node (absolute). Set with `pct set` as root over SSH, since " +
					"PVE allows bind mounts to root@pam only.",
			},
			"read_only": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Mount it read-only (PVE's `ro=1`). Default `false`.",
			},
		}},
		Validators: []validator.List{mountPointsValidator{}},
	}
	attrs["devices"] = devicesAttribute()
}

// mountPoints reads mount_points (unknown values read as empty).
func mountPoints(ctx context.Context, l types.List, diags *diag.Diagnostics) []deploy.MountPoint {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var models []mountPointModel
	diags.Append(l.ElementsAs(ctx, &models, false)...)
	out := make([]deploy.MountPoint, 0, len(models))
	for _, m := range models {
		out = append(out, deploy.MountPoint{
			Path: m.Path.ValueString(), HostPath: m.HostPath.ValueString(), Storage: stringOrEmpty(m.Storage),
			SizeGB: int(m.SizeGB.ValueInt64()), Backup: m.Backup.ValueBool(), ReadOnly: m.ReadOnly.ValueBool(),
		})
	}
	return out
}

// mounts is what a create or an update asks for.
func (m applicationMounts) mounts(ctx context.Context, diags *diag.Diagnostics) deploy.Mounts {
	mps := mountPoints(ctx, m.MountPoints, diags)
	return deploy.Mounts{MountPoints: mps, Devices: devices(ctx, m.Devices, diags)}
}

// mountsChange is the update's Mounts: both lists whole when either
// changed, nil when neither did; running is the state's status.
func (m applicationMounts) mountsChange(ctx context.Context, state applicationMounts, running bool, diags *diag.Diagnostics) *deploy.Mounts {
	if sameList(m.MountPoints, state.MountPoints) && sameList(m.Devices, state.Devices) {
		return nil
	}
	want := m.mounts(ctx, diags)
	if running {
		have := mountPoints(ctx, state.MountPoints, diags)
		want.Restarts, _ = deploy.MountsRestart(have, devices(ctx, state.Devices, diags), want)
	}
	return &want
}

// sameList compares two lists, an empty list and null alike.
func sameList(a, b types.List) bool {
	if len(a.Elements()) == 0 && len(b.Elements()) == 0 && !a.IsUnknown() && !b.IsUnknown() {
		return true
	}
	return a.Equal(b)
}

// settleMounts gives a created application's volumes the storage they got
// where the plan left it to the apply: the root disk's.
func (m *applicationMounts) settleMounts(ctx context.Context, rootStorage string, diags *diag.Diagnostics) {
	if m.MountPoints.IsNull() || m.MountPoints.IsUnknown() {
		return
	}
	var models []mountPointModel
	diags.Append(m.MountPoints.ElementsAs(ctx, &models, false)...)
	for i := range models {
		if models[i].Storage.IsUnknown() {
			models[i].Storage = types.StringNull()
			if models[i].HostPath.IsNull() && rootStorage != "" {
				models[i].Storage = types.StringValue(rootStorage)
			}
		}
	}
	m.MountPoints = mountPointsList(models, diags)
}

// setMounts records what a read found, in the order the state lists them
// (a mount point by its path, a device by its device path); those the state
// lacks follow in the order of their keys. No mount points stays null when
// the state had none.
func (m *applicationMounts) setMounts(ctx context.Context, o deploy.Observed, diags *diag.Diagnostics) {
	var known []mountPointModel
	if !m.MountPoints.IsNull() && !m.MountPoints.IsUnknown() {
		diags.Append(m.MountPoints.ElementsAs(ctx, &known, false)...)
	}
	order := map[string]int{}
	for i, k := range known {
		order[path.Clean(k.Path.ValueString())] = i
	}
	models := make([]mountPointModel, 0, len(o.MountPoints))
	for _, mp := range sortedBy(o.MountPoints, func(mp deploy.MountPoint) string { return path.Clean(mp.Path) }, order) {
		models = append(models, mountPointValue(mp, known, order))
	}
	if len(models) > 0 || m.MountPoints.IsUnknown() || (!m.MountPoints.IsNull() && len(m.MountPoints.Elements()) > 0) {
		m.MountPoints = mountPointsList(models, diags)
	}
	m.setDevices(ctx, o.Devices, diags)
}

// mountPointValue is one mount point as read; a path written otherwise
// in the state ("/data/") stays as written.
func mountPointValue(mp deploy.MountPoint, known []mountPointModel, order map[string]int) mountPointModel {
	v := mountPointModel{
		Path: types.StringValue(mp.Path), Backup: types.BoolValue(mp.Backup), ReadOnly: types.BoolValue(mp.ReadOnly),
		SizeGB: types.Int64Null(), Storage: types.StringNull(), HostPath: types.StringNull(),
	}
	if i, ok := order[path.Clean(mp.Path)]; ok {
		v.Path = known[i].Path
	}
	if mp.Bind() {
		v.HostPath, v.Backup = types.StringValue(mp.HostPath), types.BoolValue(false)
		return v
	}
	v.SizeGB, v.Storage = types.Int64Value(int64(mp.SizeGB)), types.StringValue(mp.Storage)
	return v
}

func mountPointsList(models []mountPointModel, diags *diag.Diagnostics) types.List {
	elems := make([]attr.Value, 0, len(models))
	for _, m := range models {
		obj, d := types.ObjectValue(mountPointType.AttrTypes, map[string]attr.Value{
			"path": m.Path, "size_gb": m.SizeGB, "storage": m.Storage, "backup": m.Backup, "host_path": m.HostPath, "read_only": m.ReadOnly,
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	l, d := types.ListValue(mountPointType, elems)
	diags.Append(d...)
	return l
}

// sortedBy orders items as order ranks their keys; the rest keep their
// order after them.
func sortedBy[T any](items []T, key func(T) string, order map[string]int) []T {
	out := make([]T, 0, len(items))
	ranked := make([]*T, len(order))
	for i := range items {
		if r, ok := order[key(items[i])]; ok && r < len(ranked) {
			ranked[r] = &items[i]
		}
	}
	for _, it := range ranked {
		if it != nil {
			out = append(out, *it)
		}
	}
	for _, it := range items {
		if _, ok := order[key(it)]; !ok {
			out = append(out, it)
		}
	}
	return out
}

// mountPointsValidator checks the list by deploy's rule, each problem on
// the attribute of the element it is in.
type mountPointsValidator struct{}

func (mountPointsValidator) Description(context.Context) string {
	return "paths absolute and distinct, a volume's size at least 1, a bind mount's host path absolute and no size, storage or backup"
}

func (v mountPointsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (mountPointsValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var models []mountPointModel
	if resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &models, false)...); resp.Diagnostics.HasError() {
		return
	}
	var mps []deploy.MountPoint
	for _, m := range models {
		if m.Path.IsUnknown() || m.HostPath.IsUnknown() || m.SizeGB.IsUnknown() || m.Storage.IsUnknown() {
			return // checked when the values are known
		}
		mps = append(mps, deploy.MountPoint{Path: m.Path.ValueString(), HostPath: m.HostPath.ValueString(),
			Storage: m.Storage.ValueString(), SizeGB: int(m.SizeGB.ValueInt64()), Backup: m.Backup.ValueBool()})
	}
	for _, e := range deploy.CheckMountPoints(mps) {
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(e.Index).AtName(e.Field), "Invalid mount point",
			"mount_points["+strconv.Itoa(e.Index)+"]."+e.Field+": "+e.Reason+".")
	}
}
