package provider

import (
	"context"
	"encoding/json"
	"fmt"
	posixpath "path"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// askedMountsKey holds, in the private state, the size_gb the
// configuration asked last for each volume, by path: the state's size_gb
// is the volume's real size, which a resize out of band may have grown past
// it, and deploy.PlanDisk needs both (as for disk_gb).
const askedMountsKey = "mount_points_asked"

// planMountsWithoutSSH names the bind mounts and devices of a plan that
// has no ssh block: PVE lets only root@pam set them, which the provider
// does with pct set as root over SSH.
func planMountsWithoutSSH(ctx context.Context, plan applicationModel, diags *diag.Diagnostics) {
	mps := mountPoints(ctx, plan.MountPoints, diags)
	for i, mp := range mps {
		if mp.Bind() {
			diags.AddAttributeError(path.Root("mount_points").AtListIndex(i).AtName("host_path"), "Bind mounts need SSH",
				fmt.Sprintf("mount_points[%d] binds %s of the node: PVE allows bind mounts to root@pam only, which no API token is, so the "+
					"provider sets them with pct set as root over SSH. Add an ssh block that logs in as root to the provider, for example "+
					"ssh = { username = \"root\", private_key = file(\"~/.ssh/id_ed25519\") }, or use a volume (size_gb) instead.", i, mp.HostPath))
		}
	}
	if len(devices(ctx, plan.Devices, diags)) > 0 {
		diags.AddAttributeError(path.Root("devices"), "Devices need SSH",
			"PVE lets only root@pam pass devices through, which no API token is, so the provider sets them with pct set as root over SSH. "+
				"Add an ssh block that logs in as root to the provider, for example ssh = { username = \"root\", private_key = file(\"~/.ssh/id_ed25519\") }.")
	}
}

// planMounts plans mount_points by deploy's rules: a volume's storage left
// out is the state's, else the root disk's; size_gb is a minimum
// (deploy.PlanDisk, as disk_gb); a storage that cannot take the volume, a
// move to another storage and a shrink are refused; a change that restarts
// a running container is a warning.
func (r *applicationResource) planMounts(ctx context.Context, req resource.ModifyPlanRequest, plan applicationModel,
	resp *resource.ModifyPlanResponse) {
	checkProtectedMounts(ctx, req, plan, resp) // application_mounts_protection.go
	if plan.MountPoints.IsNull() || plan.MountPoints.IsUnknown() {
		return
	}
	var planned []mountPointModel
	resp.Diagnostics.Append(plan.MountPoints.ElementsAs(ctx, &planned, false)...)
	var state *applicationModel
	if !req.State.Raw.IsNull() {
		state = &applicationModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	had := map[string]mountPointModel{}
	var priorPaths []string // the state's paths by index
	if state != nil && !state.MountPoints.IsNull() && !state.MountPoints.IsUnknown() {
		var models []mountPointModel
		resp.Diagnostics.Append(state.MountPoints.ElementsAs(ctx, &models, false)...)
		for _, m := range models {
			had[posixpath.Clean(m.Path.ValueString())] = m
			priorPaths = append(priorPaths, posixpath.Clean(m.Path.ValueString()))
		}
	}
	before := readAskedMounts(ctx, req.Private, &resp.Diagnostics)
	asked := map[string]int{}
	for i := range planned {
		r.planMountPoint(ctx, req, i, &planned[i], had, before, asked, plan, resp)
		keepConfiguredSize(&planned[i], i, priorPaths, asked)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	r.checkHostDirs(ctx, req, planned, had, plan, resp)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("mount_points"), mountPointsList(planned, &resp.Diagnostics))...)
	writeAskedMounts(ctx, resp.Private, asked, &resp.Diagnostics)
	if state != nil {
		plan.MountPoints = mountPointsList(planned, &resp.Diagnostics)
		warnMountsRestart(ctx, plan, *state, &resp.Diagnostics)
	}
}

// planMountPoint plans one element; had are the state's mount points by
// path, before the sizes asked last.
func (r *applicationResource) planMountPoint(ctx context.Context, req resource.ModifyPlanRequest, i int, m *mountPointModel,
	had map[string]mountPointModel, before, asked map[string]int, plan applicationModel, resp *resource.ModifyPlanResponse) {
	at := path.Root("mount_points").AtListIndex(i)
	if m.Path.IsUnknown() || m.HostPath.IsUnknown() {
		return
	}
	key := posixpath.Clean(m.Path.ValueString())
	old, exists := had[key]
	if !m.HostPath.IsNull() {
		m.Storage = types.StringNull()
		return
	}
	configured := !m.Storage.IsNull() && !m.Storage.IsUnknown()
	switch {
	case configured:
	case exists && !old.Storage.IsNull():
		m.Storage = old.Storage
	case !plan.Storage.IsNull() && !plan.Storage.IsUnknown():
		m.Storage = plan.Storage // the root disk's
	default:
		m.Storage = types.StringUnknown()
	}
	if configured && exists && !old.Storage.IsNull() && old.Storage.ValueString() != m.Storage.ValueString() {
		err := &deploy.StorageMoveError{Path: m.Path.ValueString(), Has: old.Storage.ValueString(), Asked: m.Storage.ValueString()}
		resp.Diagnostics.AddAttributeError(at.AtName("storage"), "Mount point volumes do not move", err.Error()+".")
		return
	}
	if configured && !exists && plansChange(req) {
		if node := stringOrEmpty(plan.Node); node != "" {
			if problem := r.data.apps.CheckMountStorage(ctx, node, m.Storage.ValueString()); problem != "" {
				resp.Diagnostics.AddAttributeError(at.AtName("storage"), "Storage cannot hold the volume", problem+".")
			}
		}
	}
	if m.SizeGB.IsNull() || m.SizeGB.IsUnknown() {
		return
	}
	want := int(m.SizeGB.ValueInt64())
	asked[key] = want
	if !exists || old.SizeGB.IsNull() || old.SizeGB.IsUnknown() {
		return
	}
	size, shrink := deploy.PlanDisk(want, int(old.SizeGB.ValueInt64()), before[key])
	if shrink != nil {
		resp.Diagnostics.AddAttributeError(at.AtName("size_gb"), "Volumes cannot shrink",
			fmt.Sprintf("mount_points[%d].size_gb (%s): %s. To destroy the application with this configuration, run terraform destroy "+
				"-refresh=false.", i, m.Path.ValueString(), shrink.Error()))
		return
	}
	m.SizeGB = types.Int64Value(int64(size))
}

// checkHostDirs refuses, when the plan changes the app and its node is
// known, a new bind mount whose directory the node lacks
// (deploy.MissingHostDirs: one read-only SSH command).
func (r *applicationResource) checkHostDirs(ctx context.Context, req resource.ModifyPlanRequest, planned []mountPointModel,
	had map[string]mountPointModel, plan applicationModel, resp *resource.ModifyPlanResponse) {
	node := stringOrEmpty(plan.Node)
	if node == "" || !plansChange(req) {
		return
	}
	var dirs []string
	at := map[string][]int{}
	for i, m := range planned {
		if m.HostPath.IsNull() || m.HostPath.IsUnknown() || m.Path.IsUnknown() {
			continue
		}
		if old, ok := had[posixpath.Clean(m.Path.ValueString())]; ok && old.HostPath.Equal(m.HostPath) {
			continue // mounted already
		}
		dir := m.HostPath.ValueString()
		if at[dir] == nil {
			dirs = append(dirs, dir)
		}
		at[dir] = append(at[dir], i)
	}
	for _, dir := range r.data.apps.MissingHostDirs(ctx, node, dirs) {
		for _, i := range at[dir] {
			resp.Diagnostics.AddAttributeError(path.Root("mount_points").AtListIndex(i).AtName("host_path"), "Host directory missing",
				fmt.Sprintf("mount_points[%d].host_path: %s is no directory on %s. PVE mounts it when the container starts and fails "+
					"the start without it (\"directory '%s' does not exist\"); create it on the node first.", i, dir, node, dir))
		}
	}
}

// warnMountsRestart says when the apply restarts a running container for
// its mount points or devices (deploy.MountsRestart).
func warnMountsRestart(ctx context.Context, plan, state applicationModel, diags *diag.Diagnostics) {
	if c := plan.mountsChange(ctx, state.applicationMounts, state.Status.ValueString() != statusStopped, diags); c == nil || !c.Restarts {
		return
	}
	diags.AddAttributeWarning(path.Root("mount_points"), "The apply restarts the container",
		fmt.Sprintf("%s changes mount points or devices in a way PVE applies only when the container starts (a removed or changed "+
			"mount point, a device), so the apply reboots it; new mount points alone are hot-plugged.", state.ID.ValueString()))
}

// readAskedMounts is the sizes asked last, by path (none when unknown:
// an import, or a state from before the key).
func readAskedMounts(ctx context.Context, p privateReader, diags *diag.Diagnostics) map[string]int {
	out := map[string]int{}
	if p == nil {
		return out
	}
	raw, d := p.GetKey(ctx, askedMountsKey)
	diags.Append(d...)
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		diags.AddError("Unreadable private state", fmt.Sprintf("the application's %s in the private state does not parse", askedMountsKey))
	}
	return out
}

func writeAskedMounts(ctx context.Context, p privateWriter, asked map[string]int, diags *diag.Diagnostics) {
	if p == nil {
		return
	}
	var raw []byte // none: the key goes
	if len(asked) > 0 {
		raw, _ = json.Marshal(asked)
	}
	diags.Append(p.SetKey(ctx, askedMountsKey, raw)...)
}

// keepConfiguredSize plans the configured size_gb where planMountPoint
// kept a volume's larger real size (size_gb is a minimum) but the state
// holds another mount point at that place in the list: size_gb is not
// computed, so Terraform accepts only the configured value or the prior
// one at the same index ("Provider produced invalid plan" after a volume
// grew out of band and the list was reordered). The volume keeps its size:
// the apply grows a volume, never shrinks one, and the next refresh reads
// the real size back.
func keepConfiguredSize(m *mountPointModel, i int, priorPaths []string, asked map[string]int) {
	if m.Path.IsUnknown() || m.SizeGB.IsNull() || m.SizeGB.IsUnknown() {
		return
	}
	key := posixpath.Clean(m.Path.ValueString())
	want, ok := asked[key]
	if !ok || int(m.SizeGB.ValueInt64()) == want || (i < len(priorPaths) && priorPaths[i] == key) {
		return
	}
	m.SizeGB = types.Int64Value(int64(want))
}
