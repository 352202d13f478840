package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// gatewayModel is proximity_gateway's state.
type gatewayModel struct {
	ID            types.String   `tfsdk:"id"`
	Node          types.String   `tfsdk:"node"`
	Hostname      types.String   `tfsdk:"hostname"`
	Memory        types.Int64    `tfsdk:"memory"`
	Bridge        types.String   `tfsdk:"bridge"`
	IPConfig      types.Object   `tfsdk:"ip_config"`
	Network       types.Object   `tfsdk:"network"`
	Storage       types.String   `tfsdk:"storage"`
	Template      types.String   `tfsdk:"template"`
	VMID          types.Int64    `tfsdk:"vmid"`
	IPAddress     types.String   `tfsdk:"ip_address"`
	Routes        types.Map      `tfsdk:"routes"`
	DeploymentLog types.List     `tfsdk:"deployment_log"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

// spec is the create the plan asks for.
func (m gatewayModel) spec(identity string) deploy.GatewaySpec {
	address, gateway := ipConfigOf(m.IPConfig)
	return deploy.GatewaySpec{
		Hostname: m.Hostname.ValueString(), Node: stringOrEmpty(m.Node), Storage: stringOrEmpty(m.Storage),
		Template: stringOrEmpty(m.Template), Bridge: m.Bridge.ValueString(), IPConfig: address, Gateway: gateway,
		Memory: int(m.Memory.ValueInt64()), VMID: int(m.VMID.ValueInt64()), Identity: identity,
		IsolatedCIDR: m.isolatedCIDR(),
	}
}

// change is the update in place the plan asks of the state.
func (m gatewayModel) change(state gatewayModel) deploy.GatewayChange {
	var c deploy.GatewayChange
	if !m.Memory.Equal(state.Memory) {
		memory := int(m.Memory.ValueInt64())
		c.Memory = &memory
	}
	if !m.Hostname.Equal(state.Hostname) {
		c.Hostname = m.Hostname.ValueString()
	}
	return c
}

// set records a gateway as a create or a read found it; the routes only
// when they were read.
func (m *gatewayModel) set(ctx context.Context, gw deploy.Gateway, diags *diag.Diagnostics) {
	m.ID = types.StringValue(gw.Node + "/" + strconv.Itoa(gw.VMID))
	m.Node = types.StringValue(gw.Node)
	m.VMID = types.Int64Value(int64(gw.VMID))
	if gw.Hostname != "" {
		m.Hostname = types.StringValue(gw.Hostname)
	}
	if gw.Memory > 0 {
		m.Memory = types.Int64Value(int64(gw.Memory))
	}
	if gw.Bridge != "" {
		m.Bridge = types.StringValue(gw.Bridge)
		m.IPConfig = ipConfigValue(m.IPConfig, gw.IPConfig, gw.Gateway)
	}
	if gw.Storage != "" {
		m.Storage = types.StringValue(gw.Storage)
	}
	if gw.IsolatedCIDR != "" || !gw.Gone && gw.Bridge != "" {
		m.Network = isolatedNetworkValue(gw.IsolatedCIDR) // gateway_network.go
	}
	// A template named by file name stays in that form (deploy.SameTemplate).
	if gw.Template != "" && (m.Template.IsNull() || m.Template.IsUnknown() || !deploy.SameTemplate(m.Template.ValueString(), gw.Template)) {
		m.Template = types.StringValue(gw.Template)
	}
	if m.Template.IsUnknown() {
		m.Template = types.StringNull()
	}
	m.IPAddress = types.StringNull()
	if gw.IP != "" {
		m.IPAddress = types.StringValue(gw.IP)
	}
	if gw.RoutesKnown || m.Routes.IsUnknown() || m.Routes.IsNull() {
		m.Routes = routesValue(gw.Routes, diags)
	}
	if gw.Log != nil {
		lines := make([]string, len(gw.Log))
		for i, s := range gw.Log {
			lines[i] = s.String()
		}
		v, d := types.ListValueFrom(ctx, types.StringType, lines)
		diags.Append(d...)
		m.DeploymentLog = v
	}
	if m.DeploymentLog.IsUnknown() {
		m.DeploymentLog = types.ListNull(types.StringType)
	}
}

// routesValue is the routes attribute: by public port.
func routesValue(routes []deploy.Route, diags *diag.Diagnostics) types.Map {
	elems := make(map[string]attr.Value, len(routes))
	for _, r := range routes {
		v, d := types.ObjectValue(routeType.AttrTypes, map[string]attr.Value{
			"internal_port": types.Int64Value(int64(r.InternalPort)),
			"vmid":          types.Int64Value(int64(r.VMID)),
			"backend":       types.StringValue(r.Backend),
		})
		diags.Append(d...)
		elems[strconv.Itoa(r.PublicPort)] = v
	}
	m, d := types.MapValue(routeType, elems)
	diags.Append(d...)
	return m
}
