package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

var (
	_ datasource.DataSourceWithConfigure        = (*backupsDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*backupsDataSource)(nil)
)

func newBackupsDataSource() datasource.DataSource { return &backupsDataSource{} }

// backupsDataSource lists a container's vzdump archives.
type backupsDataSource struct {
	data *providerData
}

type backupsModel struct {
	ID            types.String     `tfsdk:"id"`
	ApplicationID types.String     `tfsdk:"application_id"`
	VMID          types.Int64      `tfsdk:"vmid"`
	Storage       types.String     `tfsdk:"storage"`
	Backups       []backupEntry    `tfsdk:"backups"`
	Timeouts      dstimeouts.Value `tfsdk:"timeouts"`
}

type backupEntry struct {
	VolID     types.String `tfsdk:"volid"`
	Node      types.String `tfsdk:"node"`
	Storage   types.String `tfsdk:"storage"`
	VMID      types.Int64  `tfsdk:"vmid"`
	Size      types.Int64  `tfsdk:"size"`
	Format    types.String `tfsdk:"format"`
	CreatedAt types.String `tfsdk:"created_at"`
	Notes     types.String `tfsdk:"notes"`
	Protected types.Bool   `tfsdk:"protected"`
}

func (d *backupsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backups"
}

func (d *backupsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every vzdump archive of an application's container (or of a VMID), on every online node, newest first.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes (application_id or vmid is required)
			"application_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "`id` of a `proximity_application` (`node/vmid`). Or give `vmid`.",
				Validators: []validator.String{stringvalidator.RegexMatches(applicationIDPattern, "must be a proximity_application id, node/vmid, "+
					"such as pve2/123")},
			},
			"vmid": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "VMID whose archives to list.",
			},
			"storage": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only this storage. Default: every storage that holds backups.",
			},
			"timeouts": dstimeouts.Attributes(ctx),

			// Computed attributes
			"id": computed("The VMID and storage asked for."),
			"backups": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The archives, newest first.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"volid":   computed("Volume id, for `restore_from` or import."),
						"node":    computed("Node the archive was listed on."),
						"storage": computed("Storage of the archive."),
						"vmid": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "VMID the archive was made of.",
						},
						"size": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "Size in bytes.",
						},
						"format":     computed("`tar.zst`, `tar.gz`, `tar.lzo` or `tar`."),
						"created_at": computed("When the backup was made (RFC 3339)."),
						"notes":      computed("First line of the notes, as PVE lists them."),
						"protected": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether the archive is protected from removal.",
						},
					},
				},
			},
		},
	}
}

func (d *backupsDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("application_id"), path.MatchRoot("vmid"))}
}

func (d *backupsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *backupsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		notConfigured(&resp.Diagnostics, "backups")
		return
	}
	var m backupsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	vmid := int(m.VMID.ValueInt64())
	if id := m.ApplicationID.ValueString(); id != "" {
		_, n, _ := strings.Cut(id, "/")
		vmid, _ = strconv.Atoi(n)
	}
	list, err := d.data.backups.List(ctx, vmid, m.Storage.ValueString())
	if err != nil {
		addError(&resp.Diagnostics, "Unable to list backups", fmt.Sprintf("listing the backups of CT %d: %v", vmid, err), err)
		return
	}
	m.ID = types.StringValue(fmt.Sprintf("vmid=%d;storage=%s", vmid, m.Storage.ValueString()))
	m.Backups = make([]backupEntry, 0, len(list))
	for _, b := range list {
		m.Backups = append(m.Backups, entryOf(b))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// entryOf is an archive as the list shows it: the resource's model of it,
// with notes always set (empty when the archive has none).
func entryOf(b backups.Archive) backupEntry {
	m := backupModel{Notes: types.StringValue("")}
	m.set(b)
	return backupEntry{
		VolID:     m.VolID,
		Node:      m.Node,
		Storage:   m.Storage,
		VMID:      m.VMID,
		Size:      m.Size,
		Format:    m.Format,
		CreatedAt: m.CreatedAt,
		Notes:     m.Notes,
		Protected: m.Protected,
	}
}
