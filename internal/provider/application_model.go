package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

type applicationModel struct {
	ID              types.String   `tfsdk:"id"`
	CatalogID       types.String   `tfsdk:"catalog_id"`
	Hostname        types.String   `tfsdk:"hostname"`
	Node            types.String   `tfsdk:"node"`
	Template        types.String   `tfsdk:"template"`
	Storage         types.String   `tfsdk:"storage"`
	Bridge          types.String   `tfsdk:"bridge"`
	IPConfig        types.Object   `tfsdk:"ip_config"`
	RestoreFrom     types.String   `tfsdk:"restore_from"`
	SSHPublicKeys   types.String   `tfsdk:"ssh_public_keys"`
	Memory          types.Int64    `tfsdk:"memory"`
	Cores           types.Int64    `tfsdk:"cores"`
	DiskGB          types.Int64    `tfsdk:"disk_gb"`
	Environment     types.Map      `tfsdk:"environment"`
	Password        types.String   `tfsdk:"password"`
	PasswordWO      types.String   `tfsdk:"password_wo"`
	PasswordVersion types.Int64    `tfsdk:"password_wo_version"`
	Status          types.String   `tfsdk:"status"`
	RestartTriggers types.Map      `tfsdk:"restart_triggers"`
	Tags            types.Set      `tfsdk:"tags"`
	Description     types.String   `tfsdk:"description"`
	VMID            types.Int64    `tfsdk:"vmid"`
	PublicPort      types.Int64    `tfsdk:"public_port"`
	InternalPort    types.Int64    `tfsdk:"internal_port"`
	AllocationID    types.String   `tfsdk:"allocation_id"`
	PortAllocation  types.String   `tfsdk:"port_allocation_id"`
	IPAddress       types.String   `tfsdk:"ip_address"`
	URL             types.String   `tfsdk:"url"`
	DeploymentLog   types.List     `tfsdk:"deployment_log"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func applyApp(ctx context.Context, m *applicationModel, a deploy.App) {
	if a.VMID != 0 {
		m.ID = types.StringValue(a.Node + "/" + strconv.Itoa(a.VMID))
		m.VMID = types.Int64Value(int64(a.VMID))
		m.Node = types.StringValue(a.Node)
	}
	m.Template = types.StringValue(a.Template)
	if a.Storage != "" {
		m.Storage = types.StringValue(a.Storage)
	} else if m.Storage.IsUnknown() {
		m.Storage = types.StringNull()
	}
	m.Memory, m.Cores, m.DiskGB = types.Int64Value(int64(a.Memory)), types.Int64Value(int64(a.Cores)), types.Int64Value(int64(a.DiskGB))
	m.PublicPort, m.InternalPort = types.Int64Value(int64(a.PublicPort)), types.Int64Value(int64(a.InternalPort))
	m.AllocationID = types.StringValue(a.AllocationID)
	m.IPAddress, m.URL = types.StringValue(a.IP), types.StringValue(a.URL)
	m.DeploymentLog = stepList(ctx, a.Log)
}

func stepList(ctx context.Context, steps []deploy.Step) types.List {
	values := make([]attr.Value, 0, len(steps))
	for _, s := range steps {
		obj, _ := types.ObjectValue(stepType.AttrTypes, map[string]attr.Value{
			"step": types.StringValue(s.Name), "status": types.StringValue(s.Status), "message": types.StringValue(s.Message),
			"started_at": types.StringValue(s.StartedAt.Format(time.RFC3339)), "duration_ms": types.Int64Value(s.Duration.Milliseconds()),
		})
		values = append(values, obj)
	}
	list, _ := types.ListValue(stepType, values)
	return list
}

func stringOrEmpty(v types.String) string {
	if v.IsNull() || v.IsUnknown() {
		return ""
	}
	return v.ValueString()
}

func stringMap(ctx context.Context, m types.Map) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	_ = m.ElementsAs(ctx, &out, false)
	return out
}

func stringSet(ctx context.Context, s types.Set) []string {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	_ = s.ElementsAs(ctx, &out, false)
	sort.Strings(out)
	return out
}

func randomPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var ipConfigType = map[string]attr.Type{"address": types.StringType, "gateway": types.StringType}

// ipConfigOf reads ip_config: empty strings for DHCP.
func ipConfigOf(o types.Object) (address, gateway string) {
	if o.IsNull() || o.IsUnknown() {
		return "", ""
	}
	a := o.Attributes()
	if v, ok := a["address"].(types.String); ok {
		address = v.ValueString()
	}
	if v, ok := a["gateway"].(types.String); ok {
		gateway = v.ValueString()
	}
	return address, gateway
}

// ipConfigValue is what a container's net0 says, kept null while it says
// DHCP and the configuration leaves ip_config out.
func ipConfigValue(known types.Object, address, gateway string) types.Object {
	if (address == "dhcp" || address == "") && gateway == "" && known.IsNull() {
		return known
	}
	gw := types.StringNull()
	if gateway != "" {
		gw = types.StringValue(gateway)
	}
	return types.ObjectValueMust(ipConfigType, map[string]attr.Value{"address": types.StringValue(address), "gateway": gw})
}
