package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// The network controls of an application beyond bridge and ip_config:
// net0's VLAN tag, MAC address, firewall flag, MTU and IPv6, and the
// container's DNS. deploy owns their rules (controls_network.go); this file
// maps them between the schema and deploy.NetworkOptions.

// applicationNetworkModel is embedded in applicationModel.
type applicationNetworkModel struct {
	VLANTag    types.Int64  `tfsdk:"vlan_tag"`
	MACAddress types.String `tfsdk:"mac_address"`
	Firewall   types.Bool   `tfsdk:"firewall"`
	MTU        types.Int64  `tfsdk:"mtu"`
	IPv6Config types.Object `tfsdk:"ipv6_config"`
	DNS        types.Object `tfsdk:"dns"`
}

var (
	ipv6ConfigType = map[string]attr.Type{"address": types.StringType, "gateway": types.StringType}
	dnsType        = map[string]attr.Type{"servers": types.ListType{ElemType: types.StringType}, "domain": types.StringType}
)

// networkAttributes are the schema's network controls.
func networkAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"vlan_tag": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("VLAN tag of the container's interface on `bridge`, %d to %d. Default: untagged. On a bridge "+
				"that is not VLAN-aware PVE makes a `<bridge>v<tag>` bridge for it. PVE asks for `SDN.Use` on "+
				"`/sdn/zones/localnetwork/<bridge>/<tag>` (a grant on the bridge propagates to its tags), and the plan checks it. "+
				"Changes in place: PVE plugs a running container's interface into the bridge again with the new tag, at once.",
				deploy.VLANTagMin, deploy.VLANTagMax),
			Validators: []validator.Int64{int64validator.Between(deploy.VLANTagMin, deploy.VLANTagMax)},
		},
		"mac_address": schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "MAC address of the container's interface: a unicast address (the first octet even), such as " +
				"`BC:24:11:2A:3B:4C`. Default: the one PVE generates at create (with `datacenter.cfg`'s `mac_prefix`, `BC:24:11` unless " +
				"set), read back and kept. PVE stores the address as written (it generates upper case). Changes in place: PVE " +
				"replaces a running container's interface by one with the new address at once, so a DHCP lease and IPv6 addresses " +
				"derived from the MAC address change with it.",
			Validators:    []validator.String{stringCheck{"a unicast MAC address such as BC:24:11:2A:3B:4C", errorText(deploy.CheckMAC)}},
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"firewall": schema.BoolAttribute{
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(false),
			MarkdownDescription: "Whether PVE's firewall filters the container's interface (net0 `firewall=1`; the rules themselves " +
				"are PVE's, set outside this resource). Default: `false`; PVE's web interface turns it on for the containers it makes, so " +
				"set `true` to keep it on one imported. Changes in place: PVE plugs a running container's interface " +
				"again, at once. PVE asks the same privileges as for any change of the interface (`VM.Config.Network`, `SDN.Use`).",
		},
		"mtu": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("MTU of the container's interface, %d to %d (PVE's range); PVE refuses one above the "+
				"bridge's MTU, and so does the plan when it knows the node (`node` or `default_node`). Default: the bridge's. "+
				"Changes in place, but takes effect at the container's next start: PVE writes it "+
				"to the config at once, and sets it when it creates the interface at start (pve-container's `update_net` changes no "+
				"MTU of a running container's interface).", deploy.MTUMin, deploy.MTUMax),
			Validators: []validator.Int64{int64validator.Between(deploy.MTUMin, deploy.MTUMax)},
		},
		"ipv6_config": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "IPv6 configuration of the container's interface. Default: none (PVE sets no IPv6 configuration). " +
				"Changes in place: a static address and gateway are applied to a running container at once (PVE adds the new address " +
				"and replaces the default route, then rewrites the container's network configuration); `auto` and `dhcp` are written " +
				"into the container's network configuration at once and taken up by its network service at its next start.",
			Attributes: map[string]schema.Attribute{
				"address": schema.StringAttribute{
					Required: true,
					MarkdownDescription: "`" + deploy.IPv6Auto + "` (SLAAC, from the router's advertisements), `" + deploy.IPv6DHCP +
						"` (DHCPv6), or a static IPv6 address with its prefix length (8 to 128), such as `2001:db8::10/64`.",
					Validators: []validator.String{stringCheck{"auto, dhcp or an IPv6 address with its prefix length", errorText(deploy.CheckIPv6Config)}},
				},
				"gateway": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "Default IPv6 gateway for a static address, such as `2001:db8::1`.",
				},
			},
			Validators: []validator.Object{ipv6GatewayValidator{}},
		},
		"dns": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "DNS of the container (PVE's `nameserver` and `searchdomain`). Default: PVE's, which gives a new " +
				"container the host's DNS settings when it sets neither. PVE writes them into the container's `/etc/resolv.conf` " +
				"when it starts; changes in place, and a running container takes them at its next start (PVE keeps them as a " +
				"pending change until then, which a refresh already reads as the container's).",
			Attributes: map[string]schema.Attribute{
				"servers": schema.ListAttribute{
					Optional:            true,
					ElementType:         types.StringType,
					MarkdownDescription: "DNS servers, in order: IPv4 or IPv6 addresses (a link-local IPv6 one may name its interface, `fe80::1%eth0`).",
					Validators: []validator.List{
						listvalidator.SizeAtLeast(1),
						listvalidator.ValueStringsAre(stringCheck{"an IP address", errorText(deploy.CheckNameserver)}),
					},
				},
				"domain": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "Search domain, such as `example.com`; several separated by spaces.",
					Validators:          []validator.String{stringCheck{"a DNS domain such as example.com", errorText(deploy.CheckSearchDomain)}},
				},
			},
			Validators: []validator.Object{dnsValidator{}},
		},
	}
}

// errorText adapts deploy's checks to stringCheck.
func errorText(check func(string) error) func(string) string {
	return func(v string) string {
		if err := check(v); err != nil {
			return err.Error()
		}
		return ""
	}
}

// ipv6GatewayValidator checks ipv6_config's gateway against its address
// (deploy.CheckIPv6Gateway).
type ipv6GatewayValidator struct{}

func (ipv6GatewayValidator) Description(context.Context) string {
	return "gateway: an IPv6 address, only with a static address"
}

func (v ipv6GatewayValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (ipv6GatewayValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	address, okA := req.ConfigValue.Attributes()["address"].(types.String)
	gateway, okG := req.ConfigValue.Attributes()["gateway"].(types.String)
	if !okA || !okG || address.IsUnknown() || gateway.IsNull() || gateway.IsUnknown() {
		return
	}
	if err := deploy.CheckIPv6Gateway(address.ValueString(), gateway.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("gateway"), "Invalid IPv6 gateway", err.Error())
	}
}

// dnsValidator refuses a dns object that sets neither servers nor domain
// (PVE would then give the container the host's settings, which leaving
// dns out says).
type dnsValidator struct{}

func (dnsValidator) Description(context.Context) string { return "servers, domain or both" }

func (v dnsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (dnsValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, v := range req.ConfigValue.Attributes() {
		if !v.IsNull() {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty dns",
		"dns sets neither servers nor domain; set one of them, or leave dns out for the host's DNS settings.")
}

// options are the controls as deploy takes them. An unknown MAC address
// (a create's, which PVE generates) is "".
func (m applicationNetworkModel) options(ctx context.Context, diags *diag.Diagnostics) deploy.NetworkOptions {
	o := deploy.NetworkOptions{
		VLANTag:  int(m.VLANTag.ValueInt64()),
		MAC:      stringOrEmpty(m.MACAddress),
		Firewall: m.Firewall.ValueBool(),
		MTU:      int(m.MTU.ValueInt64()),
	}
	if !m.IPv6Config.IsNull() && !m.IPv6Config.IsUnknown() {
		a := m.IPv6Config.Attributes()
		o.IP6, o.Gateway6 = attrString(a["address"]), attrString(a["gateway"])
	}
	if !m.DNS.IsNull() && !m.DNS.IsUnknown() {
		a := m.DNS.Attributes()
		o.SearchDomain = attrString(a["domain"])
		if servers, ok := a["servers"].(types.List); ok && !servers.IsNull() && !servers.IsUnknown() {
			diags.Append(servers.ElementsAs(ctx, &o.DNSServers, false)...)
		}
	}
	return o
}

func attrString(v attr.Value) string {
	s, ok := v.(types.String)
	if !ok {
		return ""
	}
	return stringOrEmpty(s)
}

// setNetwork records the controls a read found. A configured MAC address
// written in another case than PVE's is kept as written, as are a search
// domain's separators.
func (m *applicationNetworkModel) setNetwork(o deploy.NetworkOptions) {
	m.VLANTag = int64OrNull(o.VLANTag)
	m.MTU = int64OrNull(o.MTU)
	m.Firewall = types.BoolValue(o.Firewall)
	if !deploy.SameMAC(m.MACAddress.ValueString(), o.MAC) || m.MACAddress.IsUnknown() {
		m.MACAddress = stringOrNull(o.MAC)
	}
	m.IPv6Config = types.ObjectNull(ipv6ConfigType)
	if o.IP6 != "" {
		m.IPv6Config = types.ObjectValueMust(ipv6ConfigType, map[string]attr.Value{
			"address": types.StringValue(o.IP6), "gateway": stringOrNull(o.Gateway6)})
	}
	m.DNS = m.observedDNS(o)
}

// observedDNS is the dns object of a read: null when the container sets
// neither option; a domain list equal to the configured one up to its
// separators stays as configured.
func (m applicationNetworkModel) observedDNS(o deploy.NetworkOptions) types.Object {
	if len(o.DNSServers) == 0 && o.SearchDomain == "" {
		return types.ObjectNull(dnsType)
	}
	servers := types.ListNull(types.StringType)
	if len(o.DNSServers) > 0 {
		values := make([]attr.Value, len(o.DNSServers))
		for i, s := range o.DNSServers {
			values[i] = types.StringValue(s)
		}
		servers = types.ListValueMust(types.StringType, values)
	}
	domain := stringOrNull(o.SearchDomain)
	if !m.DNS.IsNull() && !m.DNS.IsUnknown() && o.SearchDomain != "" {
		if had := attrString(m.DNS.Attributes()["domain"]); deploy.SameSearchDomain(had, o.SearchDomain) {
			domain = types.StringValue(had)
		}
	}
	return types.ObjectValueMust(dnsType, map[string]attr.Value{"servers": servers, "domain": domain})
}

// networkChanged reports whether the plan changes a control.
func (m applicationNetworkModel) networkChanged(state applicationNetworkModel) bool {
	mac := !m.MACAddress.IsUnknown() && !m.MACAddress.IsNull() && !m.MACAddress.Equal(state.MACAddress)
	return mac || !m.VLANTag.Equal(state.VLANTag) || !m.Firewall.Equal(state.Firewall) || !m.MTU.Equal(state.MTU) ||
		!m.IPv6Config.Equal(state.IPv6Config) || !m.DNS.Equal(state.DNS)
}

// changeNetwork adds the controls to an update's change: net0 is rewritten
// whole (deploy's updateConfig) when they or bridge and ip_config change.
func (m applicationModel) changeNetwork(ctx context.Context, state applicationModel, c *deploy.Change, diags *diag.Diagnostics) {
	if c.Network == nil && !m.networkChanged(state.applicationNetworkModel) {
		return
	}
	if c.Network == nil {
		address, gateway := ipConfigOf(m.IPConfig)
		c.Network = &deploy.Network{Bridge: m.Bridge.ValueString(), IP: address, Gateway: gateway}
	}
	options := m.options(ctx, diags)
	c.Network.Options = &options
}

// planNetworkAccess adds net0's VLAN tags to what the plan-time privilege
// check asks: the planned net0's, and the state's when an update rewrites
// net0, since PVE checks both (check_ct_modify_config_perm).
func planNetworkAccess(
	ctx context.Context, plan, state applicationModel, creating bool, planned *deploy.PlannedApplication, diags *diag.Diagnostics,
) {
	planned.VLANTag = int(plan.VLANTag.ValueInt64())
	if creating {
		return
	}
	var c deploy.Change
	plan.changeNetwork(ctx, state, &c, diags)
	if c.Network == nil && (plan.IPConfig.Equal(state.IPConfig) && plan.Bridge.Equal(state.Bridge)) {
		return
	}
	planned.OldBridge, planned.OldVLANTag = state.Bridge.ValueString(), int(state.VLANTag.ValueInt64())
}

// readNetworkAfterCreate records the MAC address PVE generated for a new
// container (one GET of its config); null when no container was made or
// the read failed, since an apply must leave nothing unknown.
func (r *applicationResource) readNetworkAfterCreate(ctx context.Context, plan *applicationModel, a deploy.App) {
	if !plan.MACAddress.IsUnknown() {
		return
	}
	plan.MACAddress = types.StringNull()
	if a.VMID == 0 {
		return
	}
	if o, err := r.data.apps.ObserveNetwork(ctx, a.Node, a.VMID); err == nil {
		plan.MACAddress = stringOrNull(o.MAC)
	}
}
