package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// Values the schema, its validators and its descriptions share.
const (
	defaultBackupMode = "snapshot"
	defaultCompress   = "zstd"
)

var (
	// backupModes are vzdump's modes.
	backupModes = []string{"snapshot", "suspend", "stop"}
	// backupCompressions are vzdump's compress values, as the resource takes them.
	backupCompressions = []string{"zstd", "gzip", "lzo", "none"}
)

// backupStorageDescription states the default storage rule, which lives in
// the backups package, and the plan-time retention warning.
const backupStorageDescription = "Storage for the archive. Default: " + backups.DefaultStorageRule + ". " +
	"A storage whose retention (its `prune-backups` in `storage.cfg`, else that of `/etc/vzdump.conf`) would delete backups of " +
	"the container is reported at plan " +
	"time with a warning; a `protected` backup is never pruned."

// applicationIDDescription says what a backup of an application that is
// later replaced is: still the archive of the container it was made of.
const applicationIDDescription = "`id` of the `proximity_application` to back up (`node/vmid`). Or give `node` and `vmid`. " +
	"The archive is made once, of the container this names then; `node` and `vmid` record that container. A later change of " +
	"`application_id`, also when the application is replaced (a new container, whose id is known only during the apply), " +
	"changes the backup in place: `application_id` records the new value, and the backup stays the archive of the old " +
	"container (`volid`, `node` and `vmid` are kept; the plan warns). Replacing an application never deletes its " +
	"archives. To back up the new container as well, add another `proximity_backup`, or have the configuration replace " +
	"this one (`lifecycle { replace_triggered_by = [proximity_application.<name>] }`), which deletes the old archive unless " +
	"`keep_on_destroy` is `true`."

// backupVMIDDescription: unlike application_id, node and vmid name the
// container the archive is of, so a change makes a new archive.
const backupVMIDDescription = "VMID of the container, with `node`. Changing `node` or `vmid` in the configuration (also through a " +
	"reference to a `proximity_application` that is replaced) replaces the backup with one of that container, which " +
	"deletes the old archive unless `keep_on_destroy` is `true`; `application_id` does not."

// keepOnDestroyDescription is the choice of what destroy does to the archive.
const keepOnDestroyDescription = "What destroying the resource (or replacing it) does to the archive: `false` (default) deletes " +
	"it, `true` keeps it on its storage and only removes it from the state (the provider logs that it kept it; " +
	"`proximity_backups` still lists it, and `terraform import` takes it back). Set it and apply before the destroy: " +
	"destroy acts on the value in the state."

// applicationIDPattern is a proximity_application id: node/vmid.
var applicationIDPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*/[1-9][0-9]*$`)

type backupModel struct {
	ID            types.String   `tfsdk:"id"`
	ApplicationID types.String   `tfsdk:"application_id"`
	Node          types.String   `tfsdk:"node"`
	VMID          types.Int64    `tfsdk:"vmid"`
	Storage       types.String   `tfsdk:"storage"`
	Mode          types.String   `tfsdk:"mode"`
	Compress      types.String   `tfsdk:"compress"`
	Notes         types.String   `tfsdk:"notes"`
	Protected     types.Bool     `tfsdk:"protected"`
	KeepOnDestroy types.Bool     `tfsdk:"keep_on_destroy"`
	VolID         types.String   `tfsdk:"volid"`
	Size          types.Int64    `tfsdk:"size"`
	Format        types.String   `tfsdk:"format"`
	CreatedAt     types.String   `tfsdk:"created_at"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// replaceOnceKnown replaces the backup when a value the state holds changes;
// a value the state lacks (after an import) is only recorded.
func replaceOnceKnown() planmodifier.String {
	const description = "Replaces the backup when changed (an imported backup only records it)."
	return stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !req.StateValue.IsNull() && !req.PlanValue.IsUnknown() && !req.StateValue.Equal(req.PlanValue)
		},
		description,
		description,
	)
}

func (r *backupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := stringplanmodifier.UseStateForUnknown()
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: desc,
			PlanModifiers:       []planmodifier.String{keep},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A vzdump archive of an application's container (or of any container, by `node` and `vmid`), on a " +
			"file storage (`local:backup/vzdump-lxc-...`) or a Proxmox Backup Server storage (`pbs:backup/ct/<vmid>/<UTC time>`). " +
			"Restore it with `restore_from` on a `proximity_application`: the restored app gets its own network settings, password " +
			"and SSH keys from its configuration (PVE keeps the backup's and ignores the given ones), and keeps the environment " +
			"the backup was made with where its configuration sets no value.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes (application_id, or node and vmid, is required)
			"application_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: applicationIDDescription,
				Validators: []validator.String{
					stringvalidator.RegexMatches(applicationIDPattern, "must be a proximity_application id, node/vmid, such as pve2/123"),
					stringvalidator.ConflictsWith(path.MatchRoot("node"), path.MatchRoot("vmid")),
				},
				// No replacement: an application that is replaced gets a new
				// id, known only during the apply, and a plan that could not
				// say whether the backup is replaced would break at apply.
			},
			"node": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Node of the container, with `vmid`.",
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("vmid"))},
				PlanModifiers:       []planmodifier.String{keep, stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"vmid": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: backupVMIDDescription,
				Validators:          []validator.Int64{int64validator.AtLeast(100), int64validator.AlsoRequires(path.MatchRoot("node"))},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplaceIfConfigured()},
			},
			"storage": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: backupStorageDescription,
				PlanModifiers:       []planmodifier.String{keep, stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"mode": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(defaultBackupMode),
				MarkdownDescription: fmt.Sprintf("%s (default `%s`: no downtime); with `stop` the app stops for the backup and starts "+
					"again.", oneOfMarkdown(backupModes), defaultBackupMode),
				Validators:    []validator.String{stringvalidator.OneOf(backupModes...)},
				PlanModifiers: []planmodifier.String{replaceOnceKnown()},
			},
			"compress": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(defaultCompress),
				MarkdownDescription: fmt.Sprintf("%s (default `%s`). A Proxmox Backup Server storage compresses by itself and ignores it; "+
					"an imported PBS snapshot takes the configuration's value without a replacement.", oneOfMarkdown(backupCompressions), defaultCompress),
				Validators:    []validator.String{stringvalidator.OneOf(backupCompressions...)},
				PlanModifiers: []planmodifier.String{replaceOnceKnown()},
			},
			"notes": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Notes on the archive, shown in the PVE web interface. Change in place. PVE keeps them word for word " +
					"in `<archive>.notes`; a final newline (a heredoc's) is not a difference.",
			},
			"protected": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "A protected archive cannot be removed, by prune jobs or by destroy. Changes in place.",
			},
			"keep_on_destroy": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: keepOnDestroyDescription,
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),

			// Computed attributes
			"id":    computedString("The archive's volid."),
			"volid": computedString("Volume id of the archive, such as `local:backup/vzdump-lxc-101-2026_11_25-10_00_00.tar.zst`."),
			"size": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Size of the archive in bytes.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"format":     computedString("Archive format: `tar.zst`, `tar.gz`, `tar.lzo` or `tar`."),
			"created_at": computedString("When the backup was made (RFC 3339)."),
		},
	}
}

func (r *backupResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{resourcevalidator.AtLeastOneOf(path.MatchRoot("application_id"), path.MatchRoot("vmid"))}
}
