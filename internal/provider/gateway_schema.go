package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// routeType is one route of the gateway.
var routeType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"internal_port": types.Int64Type,
	"vmid":          types.Int64Type,
	"backend":       types.StringType,
}}

func (r *gatewayResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The cluster's gateway: one small Alpine container running HAProxy that serves every Proximity " +
			"application on its port pair. An app's public port answers as the app (`url`); its internal port answers as the app " +
			"with the response headers that forbid framing removed (`embed_url`), for dashboards that embed it. The routes are a " +
			"function of the cluster, not a list to keep: every app's ports (from its tags) and its container's current address. " +
			"An application's create, update and delete sync them, and this resource's plan compares what the gateway serves with " +
			"the cluster and plans an update when they differ, which the apply fixes. Needs the provider's `ssh` block (HAProxy is " +
			"installed and configured with `pct exec` and `pct push`, which PVE allows `root@pam` only). Destroying the gateway " +
			"leaves the apps running on their own addresses (`direct_url`).",
		Attributes: map[string]schema.Attribute{
			// Required and optional.
			"node": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Node of the gateway's container. Default: the provider's `default_node`, else the first online node. " +
					"Changing it replaces the gateway.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"hostname": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(deploy.DefaultGatewayHostname),
				MarkdownDescription: fmt.Sprintf("Hostname of the container. Default: `%s`. Changes in place (PVE applies it inside the "+
					"container at its next start).", deploy.DefaultGatewayHostname),
				Validators: []validator.String{
					stringvalidator.RegexMatches(hostnamePattern, "must be one DNS label: lower-case letters, digits and dashes, at most 63, not starting or "+
						"ending with a dash"),
				},
			},
			"memory": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(deploy.DefaultGatewayMemory),
				MarkdownDescription: fmt.Sprintf("Memory in MiB. Default: %d. Changes in place.", deploy.DefaultGatewayMemory),
				Validators:          []validator.Int64{int64validator.Between(64, 8192)},
			},
			"bridge": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(deploy.DefaultBridge),
				MarkdownDescription: "Bridge of the gateway's network interface: the network the apps' users reach it on. Default: `vmbr0`. " +
					"Changing it replaces the gateway.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"ip_config": gatewayIPConfigAttribute(),
			"storage": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Storage of the root disk (1 GiB). Default: the node's first storage for container disks. Changing it replaces the gateway.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"template": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Alpine template (a volid or a file name). Default: the newest Alpine on the node or in its appliance " +
					"index. Changing it replaces the gateway (a file name and the volid of that file are the same template).",
				PlanModifiers: gatewayTemplatePlanModifiers(),
			},
			"vmid": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "VMID of the container. Default: the next free one (within the provider's `vmid_range`). Changing it replaces the gateway.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplaceIfConfigured()},
				Validators:          []validator.Int64{int64validator.Between(100, 999999999)},
			},
			"network": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "An isolated app network, as Proximity 1.0's, built on PVE's own SDN (PVE 8.1 and later): a simple " +
					"zone `" + deploy.IsolatedZone + "` with DHCP (dnsmasq) and PVE's IPAM, a vnet `" + deploy.IsolatedVnet + "` and a subnet " +
					"with source NAT, whose first address is the node's and whose second is the gateway's second interface; apps get " +
					"addresses from the tenth on. An app joins it with `network = \"proximity\"`: it runs on the gateway's node (a simple " +
					"zone joins only the guests of one node), reaches out through the node's NAT, and is not published on your LAN: " +
					"users reach it through the gateway's ports (the node itself, which routes the subnet, reaches it too). PVE's SDN " +
					"DHCP needs `dnsmasq` on the nodes (`apt install dnsmasq`, then `systemctl disable --now dnsmasq`). PVE applies " +
					"the whole SDN configuration at once, so the plan and the apply refuse while SDN changes of others are pending. " +
					"The plan checks the release, the CIDR and the privileges the identity needs (`SDN.Allocate` on " +
					"`/sdn`, `/sdn/zones` and below, `SDN.Use` on the vnet: the built-in `PVESDNAdmin` role on `/sdn` holds them). An " +
					"existing network of the same CIDR is reused; destroying the gateway removes the network only when no guest is on it. " +
					"Changing it replaces the gateway.",
				Attributes: map[string]schema.Attribute{
					"cidr": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "IPv4 network of the apps, between a /16 and a /28, such as `10.20.0.0/24`.",
						Validators:          []validator.String{isolatedCIDRValidator{}},
					},
					"bridge": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "The vnet the apps' containers attach to: `" + deploy.IsolatedVnet + "`.",
					},
				},
				PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),

			// Computed.
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<node>/<vmid>`; `terraform import` takes it, or the VMID alone.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"ip_address": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "IPv4 address of the gateway: the host part of every app's `url` and `embed_url`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"routes": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "What the gateway serves, by public port: the app's `internal_port` (its embed port), its container's " +
					"`vmid`, and `backend`, the app's main port on the container's address. A plan reads the cluster and shows this as " +
					"known after apply when the gateway serves anything else (a route of a deleted app, an address that changed, an app " +
					"missing), with a warning that lists the differences; the apply syncs it.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"internal_port": schema.Int64Attribute{Computed: true, MarkdownDescription: "The app's internal port: the same app, framing allowed."},
					"vmid":          schema.Int64Attribute{Computed: true, MarkdownDescription: "VMID of the app's container."},
					"backend":       schema.StringAttribute{Computed: true, MarkdownDescription: "`<address>:<main port>` of the app in its container."},
				}},
			},
			"deployment_log": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The steps of the gateway's create, one line each.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// gatewayIPConfigAttribute is the gateway's address, in the application's shape.
func gatewayIPConfigAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Address of the gateway on `bridge`. Default: DHCP. A static address keeps every app's `url` stable. " +
			"Changing it replaces the gateway.",
		Attributes:    ipConfigAttributes("192.168.1.40/24"), // ip_config_schema.go
		PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
	}
}

// gatewayTemplatePlanModifiers plan template as an application's (the
// state's form of the same template, application_template_plan.go), and
// replace the gateway only for another template: an imported gateway's
// template is unknown to PVE (null in the state), and the configured one
// is then recorded, not made anew.
func gatewayTemplatePlanModifiers() []planmodifier.String {
	const description = "Replaces the gateway for another template; an imported gateway records the configured one."
	return []planmodifier.String{
		stringplanmodifier.UseStateForUnknown(),
		sameTemplateForm{},
		stringplanmodifier.RequiresReplaceIf(
			func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
				resp.RequiresReplace = !req.StateValue.IsNull() && !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() &&
					!deploy.SameTemplate(req.ConfigValue.ValueString(), req.StateValue.ValueString())
			},
			description, description),
	}
}
