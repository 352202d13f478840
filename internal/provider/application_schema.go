package provider

import (
	"context"
	"fmt"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"regexp"
	"strings"

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
	backupVolIDPattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]*:backup/\S+$`)
	hostnamePattern    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	userTagPattern     = regexp.MustCompile(`^[a-z0-9_][a-z0-9_+.-]*$`)
)

// Values the schema, its validators and its descriptions share.
const (
	statusRunning = "running"
	statusStopped = "stopped"
	defaultStatus = statusRunning
	defaultBridge = deploy.DefaultBridge
)

// applicationStatuses are the values of status.
var applicationStatuses = []string{statusRunning, statusStopped}

// operationAttributes are the fields of one deployment_log entry, an
// operation, with their descriptions; operationType is their object type. A
// step is one line of text, not an object: an operation dropped from a full
// history shows in the plan as one line a step.
var operationAttributes = map[string]schema.Attribute{
	"operation": schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "What ran: `" + deploy.OperationCreate + "`, `" + deploy.OperationUpdate + "`, `" + deploy.OperationRestore +
			"` (a new `restore_from`) or `" + deploy.OperationTakeOver + "` (the app deployed into an imported container).",
	},
	"started_at": schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "When the operation started (RFC 3339, UTC).",
	},
	"status": schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "How the operation ended: `ok` or `failed`.",
	},
	"steps": schema.ListAttribute{
		Computed:    true,
		ElementType: types.StringType,
		MarkdownDescription: "The steps it ran, in order, one line each: `<step>: <ok|failed> in <n> ms[: <message>]`, for example " +
			"`allocate ports: ok in 12 ms: public 8100, internal 9100`. A failed step's message is its error, on one line.",
	},
}

var operationType = types.ObjectType{AttrTypes: attrTypes(operationAttributes)}

// attrTypes is the type of each attribute, for an object type that matches
// a nested schema.
func attrTypes(attributes map[string]schema.Attribute) map[string]attr.Type {
	out := make(map[string]attr.Type, len(attributes))
	for name, a := range attributes {
		out[name] = a.GetType()
	}
	return out
}

// replaceCatalogID replaces the application when its app changes, except on
// a container imported without an app, which the new catalog_id deploys into.
func replaceCatalogID() planmodifier.String {
	const description = "Replaces the application, unless it is an imported container without an app yet."
	return stringplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = req.StateValue.ValueString() != ""
		},
		description,
		description,
	)
}

func (r *applicationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	keepInt := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		// Version 1: deployment_log holds operations, not the steps of the
		// last one (UpgradeState).
		Version: applicationSchemaVersion,
		MarkdownDescription: "A catalog app running in its own LXC container: the container is created, started, given Docker and the " +
			"app's compose project, and checked until every service runs. Needs the provider's `ssh` block.\n\n" +
			"Each create gives its container an identity (a `px-id-` tag, kept in the resource's private state), which every refresh, " +
			"update and destroy checks: when the app's container was deleted out of band and PVE handed its VMID to another guest, that " +
			"guest is never changed or deleted; the app stays in the state with a warning and the next apply replaces it. The tags " +
			"`proximity` and `px-*` are Proximity's own and cannot be set in `tags`.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"catalog_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Catalog id of the app, for example `nextcloud`. Changing it replaces the application; " +
					"on a container imported without an app (its catalog id is null in the state), setting it deploys the app into that container in place.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{replaceCatalogID()},
			},
			"hostname": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Container hostname: one RFC 1123 label (lower-case letters, digits, dashes). Changes in place: PVE renames " +
					"the container, and a running one gets the name inside at once (its running name, `/etc/hostname` and PVE's section of " +
					"`/etc/hosts`), a stopped one at its next start. The new name must not be another application's.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(hostnamePattern, "must be one DNS label: lower-case letters, digits and dashes, at most 63, not starting or "+
						"ending with a dash"),
				},
			},

			// Optional attributes
			"node": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Node to run on. Default: `default_node`, else the online node the provider's `placement` chooses " +
					"(by default the one with the most free memory that fits the app). " +
					"Changes in place: PVE migrates the container in restart mode (a running app is shut down, moved with its disk and started " +
					"on the new node), and it keeps its VMID, ports, data and identity; `id` changes with it. The plan checks the new node as " +
					"a create does: online, with the bridge, the memory and the root disk's storage the app needs.",
				PlanModifiers: keep,
			},
			"template": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: templateDescription,
				PlanModifiers:       templatePlanModifiers(),
			},
			"storage": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: storageDescription + " Changes in place: the root disk moves to the new storage (the old volume is " +
					"deleted); PVE moves no disk of a running container, so a running app is stopped during the move and started again. " +
					"A storage that cannot hold container disks on the app's node is refused at plan.",
				PlanModifiers: keep,
			},
			"bridge": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultBridge),
				MarkdownDescription: bridgeDescription,
				Validators:          []validator.String{bridgeValidator()},
			},
			"network": isolatedNetworkAttribute(), // application_isolated.go
			"ip_config": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Address of the container on `bridge`. Default: DHCP. Changes in place (the app keeps its container and data).",
				Attributes:          ipConfigAttributes("192.168.1.50/24"), // ip_config_schema.go
			},
			"restore_from": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A backup (volid, from `proximity_backup` or `proximity_backups`) to create the container from instead of the template; " +
					"the app keeps the backup's ports when they are free, and the backup's environment values except those `environment` sets " +
					"(also through later changes of `environment`); " +
					"its `ip_config`, `bridge`, `password` and `ssh_public_keys` are applied after the restore, never the original's " +
					"(its network is the one a create sets: the original's IPv6, VLAN tag, firewall and other interfaces are not kept). " +
					"Changing it on an existing application restores that backup over it in place " +
					"(graceful stop, restore, start), which replaces the container's data with the backup's.",
				Validators: []validator.String{
					stringvalidator.RegexMatches(backupVolIDPattern, "must be a backup volid, such as local:backup/vzdump-lxc-101-2026_11_25-10_00_00.tar.zst"),
				},
			},
			"ssh_public_keys": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Public keys for root in the container (one per line). PVE writes them into root's `authorized_keys` at " +
					"creation, in a section marked `# --- BEGIN PVE ---` / `# --- END PVE ---`. Changes in place: the provider rewrites that " +
					"section inside the running container (keys added outside it stay; a key removed from here loses its access); removing " +
					"the attribute removes the section. The application must run for the change (`status = \"running\"`).",
			},
			"memory": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Memory in MB. Default: the catalog minimum; it cannot be lower. Changes in place.",
				Validators:          []validator.Int64{int64validator.AtLeast(16)},
				PlanModifiers:       keepInt,
			},
			"cores": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "CPU cores. Default: the catalog minimum. Changes in place.",
				Validators:          []validator.Int64{int64validator.Between(1, 8192)},
				PlanModifiers:       keepInt,
			},
			"disk_gb": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Root disk in GB, a minimum. Default: the catalog minimum. A larger value grows the disk in place. A disk grown " +
					"outside Terraform (`pct resize`, the PVE UI) is kept as it is: the state records its real size, and a `disk_gb` at or below " +
					"it plans no change. PVE cannot shrink a container disk, so a `disk_gb` below both the disk's size and the value applied " +
					"before is refused at plan.",
				Validators:    []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers: keepInt,
			},
			"environment": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Environment laid over the catalog's defaults (see `proximity_catalog_app`), shown in plans; put values that must " +
					"not show in `secret_environment`, the same environment to the app. A key the catalog entry declares a secret, or whose name " +
					"has a credential word (`PASSWORD`, `PASSWD`, `PASS`, `PWD`, `PASSPHRASE`, `SECRET`, `TOKEN`, `CREDENTIALS`, `SALT`, `API_KEY`, " +
					"`PRIVATE_KEY`, `ACCESS_KEY`, ... as a whole part between underscores), is a warning at plan. A change redeploys the compose project " +
					"in place; a key it does not set keeps the value the app runs with (after a restore, the backup's, which its data was set up with), " +
					"and a key removed from it goes back to the catalog's default (a new generated value for a secret of the catalog: see " +
					"`generated_secrets`). Each key reaches only the compose services that read it (their definition interpolates it or " +
					"their own environment names it); a key no service reads goes to the main service alone.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(environmentNameValidator()),
				},
			},
			"strict_environment": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "A key of `environment` or `secret_environment` the app does not use (neither its catalog environment " +
					"nor its compose file " +
					"names it) is a warning at plan, naming the closest key the app knows; with `true` it is an error.",
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "Root password of the container; generated when neither this nor `password_wo` is given. A change sets it in place " +
					"(with `chpasswd` in the running container). It is kept in the state; use `password_wo` to keep it out.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(5),
					stringvalidator.ConflictsWith(path.MatchRoot("password_wo")),
					passwordValidator(),
				},
				PlanModifiers: keep,
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				WriteOnly: true,
				Sensitive: true,
				MarkdownDescription: "Root password, write-only: used and never stored (Terraform 1.11+, OpenTofu 1.11+). " +
					"Bump `password_wo_version` to set a new value on an existing application.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(5),
					passwordValidator(),
				},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Any change sets `password_wo` again as root's password, in place.",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"status": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultStatus),
				MarkdownDescription: statusDescription(),
				Validators:          []validator.String{stringvalidator.OneOf(applicationStatuses...)},
			},
			"restart_triggers": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Any change to these values restarts the app's services without recreating anything.",
			},
			"publish": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether the cluster's `proximity_gateway` serves the app on its port pair. `false` keeps it off the " +
					"gateway (the container carries the tag `" + deploy.TagUnpublished + "`, which every route sync reads): `url` is then " +
					"`direct_url` and `embed_url` is null. Changes in place.",
			},
			"tags": schema.SetAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Your tags on the container (lower case, as PVE stores them). Proximity's own tags are kept apart and never show here. " +
					"PVE's tag rules apply to both: when `datacenter.cfg` sets `user-tag-access` other than `user-allow=free`, or `registered-tags` " +
					"covering a tag written, an identity without `Sys.Modify` on `/` may not write it, and the plan fails naming the " +
					"`datacenter.cfg` line and the grant that fix it.",
				Validators: []validator.Set{setvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(userTagPattern, "must be lower case: letters, digits, _ + . - (PVE lower-cases tags)"),
					reservedTagValidator(),
				)},
			},
			"description": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Description shown in the PVE web interface. Changes in place. PVE keeps it as comment lines " +
					"of the container's config and drops trailing newlines, so a heredoc's final newline is not a difference.",
			},
			"port_allocation_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Use the pair of a `proximity_port_allocation` (its `id`) instead of allocating one; " +
					"the pair stays allocated when the application is destroyed. Changes in place: the ports live only in the container's " +
					"tags and the allocation table (the app answers on its catalog port), so the tags are rewritten; leaving a pair of the " +
					"application's own releases it after the switch, and removing the attribute gives the application a new pair of its own. " +
					"The plan refuses (and the apply again, before changing anything) a pair another container records.",
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),

			// Computed attributes
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`node/vmid`.",
				PlanModifiers:       keep,
			},
			"public_port": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Public port of the app, unique in the cluster; null on a container imported without an app until the apply deploys one.",
				PlanModifiers:       keepInt,
			},
			"internal_port": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Internal port of the app, unique in the cluster; null on a container imported without an app until the apply deploys one.",
				PlanModifiers:       keepInt,
			},
			"allocation_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Id of the port pair the application allocated itself, released on destroy; null with `port_allocation_id` " +
					"and on a container imported without an app.",
				PlanModifiers: keep,
			},
			"generated_secrets": schema.MapAttribute{
				Computed:    true,
				Sensitive:   true,
				ElementType: types.StringType,
				MarkdownDescription: "The values Proximity generated for the app's secrets: the catalog environment keys whose defaults are " +
					"placeholders (`change-me-db`, `changeme`: those the catalog entry's `secrets` lists, and any default that looks like one, as in a " +
					"Proximity 1.0 catalog), which are never deployed as they are. Each " +
					"application gets random values of its own (64 hex digits; `base64:` and 32 bytes where the placeholder is so written) " +
					"for every secret neither `environment` nor `secret_environment` sets; a value they set wins and gets none here. They stay the same " +
					"across updates; a restore keeps the backup's, which its data was set up with. An import reads them back from the " +
					"compose file. Applications deployed before this attribute existed keep the values they run with (null here).",
			},
			"ip_address": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "IPv4 address of the container.",
			},
			"url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Where the app answers. With a `proximity_gateway` in the cluster and `publish` on: " +
					"`http://<gateway address>:<public_port>`. Otherwise `direct_url`, and the port pair is only reserved for the app " +
					"(a gateway created later serves it there). A refresh follows a gateway that appears or goes.",
			},
			"embed_url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "With a gateway and `publish` on: `http://<gateway address>:<internal_port>`, the same app with the " +
					"response headers that forbid framing removed (`X-Frame-Options`, and `frame-ancestors` of `Content-Security-Policy`), " +
					"for a dashboard that embeds it. Null otherwise.",
			},
			"direct_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`http://<ip_address>:<main port>`: the app on its own container's address, gateway or not.",
			},
			"services": servicesAttribute(),
			"deployment_log": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: fmt.Sprintf("The application's last operations, at most %d, by number: `\"0001\"` is its create "+
					"(or the first operation on an imported container), then each update that ran steps, a restore, a take-over; "+
					"the keys sort oldest first, and `values(deployment_log)` lists the operations in order. An update that runs no "+
					"step (a change only Terraform records) leaves the log as it is. One that runs steps adds the next key to the plan, "+
					"known after apply (the plan's JSON lists it; its text shows a new key of unknown value not at all), and, when the "+
					"log holds %d, drops the oldest. A failed update is recorded too, with the step that failed.",
					deploy.HistoryLimit, deploy.HistoryLimit),
				NestedObject: schema.NestedAttributeObject{
					Attributes: operationAttributes,
				},
			},
		},
	}
	// vmid, onboot, startup, swap, protection (application_boot.go)
	addBootAttributes(resp.Schema.Attributes)
	// secret_environment (application_secret_environment.go)
	addSecretEnvironmentAttribute(resp.Schema.Attributes)
	addMountAttributes(resp.Schema.Attributes) // mount_points, devices (application_mounts.go)
	// health_check, health (application_health.go)
	addHealthAttributes(resp.Schema.Attributes)
	// vlan_tag, mac_address, firewall, mtu, ipv6_config, dns (application_network.go)
	for name, a := range networkAttributes() {
		resp.Schema.Attributes[name] = a
	}
}

// oneOfMarkdown lists allowed values for a description: `a`, `b` or `c`.
func oneOfMarkdown(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}
