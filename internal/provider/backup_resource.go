package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

var (
	_ resource.ResourceWithConfigure        = (*backupResource)(nil)
	_ resource.ResourceWithImportState      = (*backupResource)(nil)
	_ resource.ResourceWithConfigValidators = (*backupResource)(nil)
)

func newBackupResource() resource.Resource { return &backupResource{} }

// backupResource is one vzdump archive of a container.
type backupResource struct {
	data *providerData
}

func (r *backupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup"
}

func (r *backupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configureData(req.ProviderData, &resp.Diagnostics)
}

// target is the container to back up: from application_id, or node and vmid.
func (m backupModel) target() (string, int) {
	if id := m.ApplicationID.ValueString(); id != "" {
		node, vmid, _ := strings.Cut(id, "/")
		n, _ := strconv.Atoi(vmid)
		return node, n
	}
	return m.Node.ValueString(), int(m.VMID.ValueInt64())
}

// set records an archive as PVE lists it: the resource's create, read and
// import, and each entry of proximity_backups. Notes left null stay null
// while the archive has none.
func (m *backupModel) set(b backups.Archive) {
	m.ID = types.StringValue(b.VolID)
	m.VolID = types.StringValue(b.VolID)
	m.Node = types.StringValue(b.Node)
	m.VMID = types.Int64Value(int64(b.VMID))
	m.Storage = types.StringValue(b.Storage)
	m.Size = types.Int64Value(b.Size)
	m.Format = types.StringValue(b.Format)
	m.CreatedAt = types.StringValue(b.CreatedAt.Format(time.RFC3339))
	m.Protected = types.BoolValue(b.Protected)
	// Configured notes that are the archive's stay as written (a heredoc's
	// final newline, see backups.SameNotes).
	if (b.Notes != "" || !m.Notes.IsNull()) && !backups.SameNotes(m.Notes.ValueString(), b.Notes) {
		m.Notes = types.StringValue(b.Notes)
	}
}

func (m backupModel) backup() backups.Archive {
	node, vmid := m.Node.ValueString(), int(m.VMID.ValueInt64())
	return backups.Archive{VolID: m.VolID.ValueString(), Node: node, Storage: m.Storage.ValueString(), VMID: vmid}
}

func (r *backupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, 30*time.Minute, &resp.Diagnostics)
	defer cancel()
	node, vmid := plan.target()
	b, err := r.data.backups.Create(ctx, backups.Spec{
		Node: node, VMID: vmid, Storage: stringOrEmpty(plan.Storage), Mode: plan.Mode.ValueString(), Compress: plan.Compress.ValueString(),
		Notes: plan.Notes.ValueString(), Protected: plan.Protected.ValueBool(),
	})
	if err != nil {
		if b.VolID != "" {
			// The archive exists: keep it in the state (tainted), not orphaned.
			plan.set(b)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		}
		addError(&resp.Diagnostics, "Unable to back up the container", fmt.Sprintf("backing up CT %d on %s: %v", vmid, node, err), err)
		return
	}
	plan.set(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *backupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state backupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	b, found, err := r.data.backups.Read(ctx, state.Node.ValueString(), state.VolID.ValueString())
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read the backup", fmt.Sprintf("reading %s: %v", state.VolID.ValueString(), err), err)
		return
	}
	if !found {
		// Deleted out of band: the plan makes a new one.
		resp.State.RemoveResource(ctx)
		return
	}
	state.set(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *backupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state backupModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, 5*time.Minute, &resp.Diagnostics)
	defer cancel()
	if !plan.Notes.Equal(state.Notes) || !plan.Protected.Equal(state.Protected) {
		if err := r.data.backups.Update(ctx, state.backup(), plan.Notes.ValueString(), plan.Protected.ValueBool()); err != nil {
			addError(&resp.Diagnostics, "Unable to update the backup", fmt.Sprintf("updating %s: %v", state.VolID.ValueString(), err), err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *backupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state backupModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.KeepOnDestroy.ValueBool() {
		// The user chose to keep the archive: it leaves the state only.
		tflog.Info(ctx, "Kept the backup archive: keep_on_destroy is true", map[string]any{
			"volid": state.VolID.ValueString(), "node": state.Node.ValueString(),
		})
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, 10*time.Minute, &resp.Diagnostics)
	defer cancel()
	if err := r.data.backups.Delete(ctx, state.backup()); err != nil {
		addError(&resp.Diagnostics, "Unable to delete the backup", err.Error(), err)
	}
}

// ImportState takes the archive's volid and finds it on the online nodes.
func (r *backupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !strings.Contains(req.ID, ":backup/") {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("import a backup by its volid, for example "+
			"local:backup/vzdump-lxc-101-2026_11_25-10_00_00.tar.zst; got %q", req.ID))
		return
	}
	b, err := r.data.backups.Find(ctx, req.ID)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to import the backup", err.Error(), err)
		return
	}
	var m backupModel
	resp.Diagnostics.Append(blankModel(ctx, resp.State, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.set(b)
	// application_id and mode are not recorded in the archive, nor compress
	// in a Proxmox Backup Server snapshot: the configuration's values are
	// taken as they are (application_id changes in place, and
	// replaceOnceKnown records a mode or compress the state lacks).
	if compress := backups.CompressOf(b.Format); compress != "" {
		m.Compress = types.StringValue(compress)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
