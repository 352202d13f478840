package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	Network         types.String   `tfsdk:"network"`
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
	EmbedURL        types.String   `tfsdk:"embed_url"`
	DirectURL       types.String   `tfsdk:"direct_url"`
	Publish         types.Bool     `tfsdk:"publish"`
	DeploymentLog   types.Map      `tfsdk:"deployment_log"`
	Services        types.List     `tfsdk:"services"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`

	// GeneratedSecrets are deploy's values for the catalog's secrets
	// (application_secrets.go).
	GeneratedSecrets  types.Map  `tfsdk:"generated_secrets"`
	StrictEnvironment types.Bool `tfsdk:"strict_environment"`

	// SecretEnvironment is the environment plans hide
	// (application_secret_environment.go).
	SecretEnvironment types.Map `tfsdk:"secret_environment"`

	applicationNetworkModel // vlan_tag, mac_address, firewall, mtu, ipv6_config, dns (application_network.go)

	applicationBoot // onboot, startup, swap, protection (application_boot.go)

	applicationMounts // mount_points, devices (application_mounts.go)

	applicationHealth // health_check, health (application_health.go)
}

// spec is the deployment a create asks for; password is root's password,
// which the resource takes from password, password_wo or a generated one.
func (m applicationModel) spec(ctx context.Context, password string, diags *diag.Diagnostics) deploy.Spec {
	address, gateway := ipConfigOf(m.IPConfig)
	return deploy.Spec{
		CatalogID:        m.CatalogID.ValueString(),
		Hostname:         m.Hostname.ValueString(),
		Node:             stringOrEmpty(m.Node),
		Template:         stringOrEmpty(m.Template),
		Storage:          stringOrEmpty(m.Storage),
		Bridge:           m.Bridge.ValueString(),
		IPConfig:         address,
		Gateway:          gateway,
		SSHPublicKeys:    m.SSHPublicKeys.ValueString(),
		Password:         password,
		Description:      m.Description.ValueString(),
		Memory:           int(m.Memory.ValueInt64()),
		Cores:            int(m.Cores.ValueInt64()),
		DiskGB:           int(m.DiskGB.ValueInt64()),
		Environment:      m.environment(ctx, diags),
		Tags:             deploy.PublishTags(stringSet(ctx, m.Tags, diags), m.published()),
		Stopped:          m.Status.ValueString() == statusStopped,
		PortAllocationID: m.PortAllocation.ValueString(),
		RestoreFrom:      m.RestoreFrom.ValueString(),
		Net:              m.options(ctx, diags),
		Mounts:           m.mounts(ctx, diags),
		GeneratedSecrets: stringMap(ctx, m.GeneratedSecrets, diags),
		VMID:             int(m.VMID.ValueInt64()),
		Boot:             m.boot(),
		Features:         m.features(ctx, diags),
	}
}

// takeOverSpec is the app an update deploys into a container imported
// without one.
func (m applicationModel) takeOverSpec(ctx context.Context, diags *diag.Diagnostics) deploy.Spec {
	return deploy.Spec{
		CatalogID:   m.CatalogID.ValueString(),
		Hostname:    m.Hostname.ValueString(),
		Environment: m.environment(ctx, diags),
		Tags:        deploy.PublishTags(stringSet(ctx, m.Tags, diags), m.published()),
		Stopped:     m.Status.ValueString() == statusStopped,

		GeneratedSecrets: stringMap(ctx, m.GeneratedSecrets, diags),
	}
}

// change is what an update asks of the container: the plan m against the
// state. password is root's new password, nil when it stays.
func (m applicationModel) change(
	ctx context.Context, state applicationModel, identity string, password *string, diags *diag.Diagnostics,
) deploy.Change {
	c := deploy.Change{
		CatalogID:    state.CatalogID.ValueString(),
		Identity:     identity,
		PublicPort:   int(state.PublicPort.ValueInt64()),
		InternalPort: int(state.InternalPort.ValueInt64()),
		Environment:  m.environment(ctx, diags),
		Redeploy:     m.environmentChanges(ctx, state, diags),
		Restart:      !m.RestartTriggers.Equal(state.RestartTriggers),
		Password:     password,
	}
	c.PreviousEnvironment = state.environment(ctx, diags) // a key dropped from it goes back to the default
	c.GeneratedSecrets = m.keptSecrets(ctx, state, diags)
	c.Memory = changedInt(m.Memory, state.Memory)
	c.Cores = changedInt(m.Cores, state.Cores)
	c.DiskGB = changedInt(m.DiskGB, state.DiskGB)
	if !m.Description.Equal(state.Description) {
		d := m.Description.ValueString()
		c.Description = &d
	}
	if !m.Tags.Equal(state.Tags) || m.published() != state.published() {
		c.Tags = nonNil(deploy.PublishTags(stringSet(ctx, m.Tags, diags), m.published()))
	}
	if restoreChanges(m, state) {
		c.RestoreFrom = m.RestoreFrom.ValueString()
		c.SSHPublicKeys = m.SSHPublicKeys.ValueString() // the archive's keys come back: set the configured ones again
	}
	if !m.Status.Equal(state.Status) {
		running := m.Status.ValueString() == statusRunning
		c.Running = &running
		if running && state.Status.ValueString() == statusDegraded {
			// The container runs: compose up brings its services back,
			// then the same check as a create (deploy's redeploy).
			c.Running, c.Redeploy = nil, true
		}
	}
	if !m.IPConfig.Equal(state.IPConfig) || m.Bridge.ValueString() != state.Bridge.ValueString() {
		address, gateway := ipConfigOf(m.IPConfig)
		c.Network = &deploy.Network{Bridge: m.Bridge.ValueString(), IP: address, Gateway: gateway}
	}
	// vlan_tag, mac_address, firewall, mtu, ipv6_config, dns (application_network.go)
	m.changeNetwork(ctx, state, &c, diags)
	c.Relocate = relocation(m, state) // another node or storage (application_relocate.go)
	c.Boot = m.bootChange(state.applicationBoot)
	c.Features = m.featuresChange(ctx, state.applicationBoot, diags)
	c.Mounts = m.mountsChange(ctx, state.applicationMounts, state.Status.ValueString() != statusStopped, diags)
	if restoreChanges(m, state) {
		// The restored config has the archive's mount points, devices
		// and flags: the configured ones are applied again after it.
		whole := m.mounts(ctx, diags)
		c.Mounts = &whole
		if !m.Features.IsNull() && !m.Features.IsUnknown() {
			f := m.features(ctx, diags)
			c.Features = &f
		}
	}
	// hostname, ssh_public_keys, port_allocation_id (application_in_place.go)
	m.renameKeysPorts(ctx, state, &c, diags)
	return c
}

// changedInt is a planned size that differs from the state's, else 0
// (deploy's "unchanged").
func changedInt(planned, had types.Int64) int {
	if planned.IsUnknown() || planned.Equal(had) {
		return 0
	}
	return int(planned.ValueInt64())
}

// setApp records a create's result, err its error: the app as far as it
// got, and a history of one operation, the create.
func (m *applicationModel) setApp(a deploy.App, err error, diags *diag.Diagnostics) {
	if a.VMID != 0 {
		m.setContainer(a.Node, a.VMID)
	}
	// A configured template name stays in state when the app runs that
	// template (a.Template is its volid); the plan keeps either form alike
	// (sameTemplateForm).
	if m.Template.IsNull() || m.Template.IsUnknown() || !deploy.SameTemplate(m.Template.ValueString(), a.Template) {
		m.Template = types.StringValue(a.Template)
	}
	if a.Storage != "" {
		m.Storage = types.StringValue(a.Storage)
	} else if m.Storage.IsUnknown() {
		m.Storage = types.StringNull()
	}
	m.Memory = types.Int64Value(int64(a.Memory))
	m.Cores = types.Int64Value(int64(a.Cores))
	m.DiskGB = types.Int64Value(int64(a.DiskGB))
	m.setPorts(a.AllocationID, a.PublicPort, a.InternalPort)
	m.settleFeatures() // features left out: none (application_boot_features.go)
	m.setAddress(a.IP, a.URL)
	m.DeploymentLog = newHistory(deploy.NewOperation(deploy.OperationCreate, a.Log, err), diags)
}

// setObserved records what the container says, at every read (an import is
// followed by one).
func (m *applicationModel) setObserved(ctx context.Context, o deploy.Observed, diags *diag.Diagnostics) {
	m.Memory = types.Int64Value(int64(o.Memory))
	m.Cores = types.Int64Value(int64(o.Cores))
	if o.DiskGB > 0 {
		m.DiskGB = types.Int64Value(int64(o.DiskGB))
	}
	m.Status = types.StringValue(statusOf(o.Running))
	m.setBoot(o)
	m.setServices(ctx, o, diags) // degraded, when a service is down (application_services.go)
	m.Hostname = types.StringValue(o.Hostname)
	m.IPConfig = ipConfigValue(m.IPConfig, o.IPConfig, o.Gateway)
	m.setNetwork(o.Net)
	m.setMounts(ctx, o, diags) // mount_points, devices (application_mounts.go)
	// A configured description that is the container's stays as written (a
	// heredoc's final newline never reaches PVE, see deploy.SameDescription).
	if (o.Description != "" || !m.Description.IsNull()) && !deploy.SameDescription(m.Description.ValueString(), o.Description) {
		m.Description = types.StringValue(o.Description)
	}
	m.Publish = types.BoolValue(!o.Unpublished)
	if len(o.Tags) > 0 || !m.Tags.IsNull() {
		tags, d := types.SetValueFrom(ctx, types.StringType, nonNil(o.Tags))
		diags.Append(d...)
		m.Tags = tags
	}
	if !o.Running {
		m.setAddress("", "")
	}
	if o.Running && o.IP != "" {
		m.IPAddress = types.StringValue(o.IP)
		if o.URL != "" {
			m.URL = types.StringValue(o.URL)
		}
	}
}

// setImported records what an import learns of a container before the read
// that follows it: its id (node/vmid), where it is and its app, a null
// catalog id when Proximity did not make it. The ports are the caller's.
func (m *applicationModel) setImported(id string, o deploy.Observed, diags *diag.Diagnostics) {
	node, vmid, _ := strings.Cut(id, "/")
	n, _ := strconv.Atoi(vmid)
	m.setContainer(node, n)
	m.ID = types.StringValue(id)
	m.Hostname = types.StringValue(o.Hostname)
	m.Bridge = types.StringValue(o.Bridge)
	m.Network = isolatedNetworkOf(o.Bridge) // application_isolated.go
	m.Storage = types.StringValue(o.Storage)
	m.Status = types.StringValue(statusRunning) // the read that follows sets what it is
	m.DeploymentLog = emptyHistory(diags)
	m.CatalogID = stringOrNull(o.CatalogID)
}

// setContainer records where the container is.
func (m *applicationModel) setContainer(node string, vmid int) {
	m.ID = types.StringValue(node + "/" + strconv.Itoa(vmid))
	m.Node = types.StringValue(node)
	m.VMID = types.Int64Value(int64(vmid))
}

// setPorts records the app's port pair and the allocation that holds it.
// What is not there is null, never "" or 0: an app on a port_allocation_id
// holds no allocation of its own, a container without an app has no ports.
func (m *applicationModel) setPorts(allocationID string, public, internal int) {
	m.AllocationID = stringOrNull(allocationID)
	m.PublicPort = int64OrNull(public)
	m.InternalPort = int64OrNull(internal)
}

// stringOrNull is s, or null when it is empty.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// int64OrNull is n, or null when it is 0.
func int64OrNull(n int) types.Int64 {
	if n == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(int64(n))
}

// setAddress records the container's address and the app's URL.
func (m *applicationModel) setAddress(ip, url string) {
	m.IPAddress = types.StringValue(ip)
	m.URL = types.StringValue(url)
}

func statusOf(running bool) string {
	if running {
		return statusRunning
	}
	return statusStopped
}

func stringOrEmpty(v types.String) string {
	if v.IsNull() || v.IsUnknown() {
		return ""
	}
	return v.ValueString()
}

func stringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

func stringSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	var out []string
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
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
