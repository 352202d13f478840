package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

var (
	_ provider.Provider                     = (*proximityProvider)(nil)
	_ provider.ProviderWithConfigValidators = (*proximityProvider)(nil)
)

// proximityProvider is the provider; version is set by the release build.
type proximityProvider struct {
	version string
}

// New returns a provider factory for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &proximityProvider{version: version} }
}

// guestSnapshotAge bounds how long reads share one cluster listing: about
// as long as a refresh of many applications takes.
const guestSnapshotAge = 10 * time.Second

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client   *pveclient.Client
	catalog  *catalog.Catalog
	ports    *allocstore.Allocator
	nodes    *nodeshell.Runner // nil without an ssh block
	settings settings
	// apps is the application layer, built once for every resource.
	apps *deploy.Service
	// backups is the backup layer.
	backups *backups.Service
	// preflight holds this process's checks of the API and the nodes' SSH.
	preflight preflight
	// offline, when it holds errors, says what the Proxmox connection lacks:
	// only the catalog data sources work then (provider_offline.go).
	offline diag.Diagnostics
}

func (p *proximityProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "proximity"
	resp.Version = p.version
}

func (p *proximityProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema()
}

func (p *proximityProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{disjointPortRanges{}, cleartextEndpoint{}}
}

func (p *proximityProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	set, diags := resolveSettings(cfg, osEnv)
	offline, diags := splitOffline(diags)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	apps := configureCatalog(set.catalogPaths, &resp.Diagnostics)
	if apps == nil {
		return
	}
	if offline.HasError() {
		configureOffline(set, apps, offline, resp)
		return
	}
	client, err := pveclient.New(set.client)
	if err != nil {
		addConfigError(&resp.Diagnostics, path.Empty(), "Unable to configure the Proxmox client", err)
		return
	}
	var runner *nodeshell.Runner
	if s := set.ssh; s != nil {
		runner, err = nodeshell.New(nodeshell.Config{
			User: s.username, PrivateKey: s.privateKey, Password: s.password, Agent: s.agent, Port: s.port,
			HostKey: s.hostKey, KnownHostsFile: s.knownHostsFile, InsecureIgnoreHostKey: s.insecureIgnoreHostKey,
			Nodes: s.nodes, Resolve: client.NodeAddress,
		})
		if err != nil {
			addConfigError(&resp.Diagnostics, path.Root("ssh"), "Invalid SSH settings", err)
			return
		}
	}
	ctx = tflog.SetField(ctx, "endpoint", set.client.Endpoint)
	tflog.Debug(ctx, "Proximity provider configured", map[string]any{"auth": set.authMethod, "allocation_store": set.allocationStore})
	data := &providerData{client: client, catalog: apps, nodes: runner, settings: set, ports: newAllocator(set, client, runner)}
	data.backups = &backups.Service{Client: client}
	data.apps = &deploy.Service{
		Client:      client,
		Nodes:       runner,
		Ports:       data.ports,
		Catalog:     apps,
		Backups:     data.backups,
		DefaultNode: set.defaultNode,
		Placement:   set.placement,
		VMIDRange:   set.vmidRange,
		// One cluster listing shared by the reads of a refresh.
		Snapshot: &pveclient.GuestSnapshot{Client: client, MaxAge: guestSnapshotAge},
		// One SSH session per node for the services of a refresh.
		Services: &deploy.ServicesCache{},
		Claims:   &deploy.Claims{},
		// One lookup of the gateway's address for the apps' URLs.
		GatewayAddress: &deploy.GatewayAddressCache{},
	}
	resp.DataSourceData = data
	resp.ResourceData = data
}

func (p *proximityProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newPortAllocationResource, newApplicationResource, newBackupResource, newGatewayResource}
}

func (p *proximityProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newNodesDataSource,
		newCatalogAppDataSource,
		newCatalogDataSource,
		newPortUsageDataSource,
		newBackupsDataSource,
	}
}

// disjointPortRanges rejects public and internal ranges that overlap, with
// the defaults in place of an omitted range.
type disjointPortRanges struct{}

func (disjointPortRanges) Description(context.Context) string {
	return "public_port_range and internal_port_range must not overlap"
}
func (v disjointPortRanges) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (disjointPortRanges) ValidateProvider(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	pub, okPub := configRange(ctx, req, "public_port_range", defaultPublicRange, &resp.Diagnostics)
	inn, okIn := configRange(ctx, req, "internal_port_range", defaultInternalRange, &resp.Diagnostics)
	if !okPub || !okIn {
		return
	}
	if pub[0] <= inn[1] && inn[0] <= pub[1] {
		resp.Diagnostics.AddAttributeError(path.Root("internal_port_range"), "Overlapping port ranges",
			fmt.Sprintf("public ports %s and internal ports %s overlap; every app gets one of each, so the ranges must be disjoint (defaults: %s and %s)",
				rangeText(pub), rangeText(inn), rangeText(defaultPublicRange), rangeText(defaultInternalRange)))
	}
}

func configRange(ctx context.Context, req provider.ValidateConfigRequest, name string, def [2]int, diags *diag.Diagnostics) ([2]int, bool) {
	var obj types.Object
	d := req.Config.GetAttribute(ctx, path.Root(name), &obj)
	diags.Append(d...)
	if d.HasError() || obj.IsUnknown() {
		return def, false
	}
	if obj.IsNull() {
		return def, true
	}
	attrs := obj.Attributes()
	from, ok1 := knownInt(attrs["from"])
	to, ok2 := knownInt(attrs["to"])
	return [2]int{int(from), int(to)}, ok1 && ok2
}

// newAllocator picks the allocation store: the cluster file system over SSH
// (host) or a file on this machine (local).
func newAllocator(set settings, client *pveclient.Client, runner *nodeshell.Runner) *allocstore.Allocator {
	var store allocstore.Store = &allocstore.LocalStore{Path: set.allocationFile}
	if set.allocationStore == allocationStoreHost && runner != nil {
		store = &allocstore.HostStore{Runner: runner, Nodes: client.OnlineNodes}
	}
	return &allocstore.Allocator{
		// Resources apply in parallel in this one process: their changes to
		// the table share read-modify-writes.
		Store:    &allocstore.GroupCommit{Store: store},
		Public:   allocstore.Range{From: set.publicRange[0], To: set.publicRange[1]},
		Internal: allocstore.Range{From: set.internalRange[0], To: set.internalRange[1]},
		Cluster: func(ctx context.Context) ([]allocstore.TaggedGuest, error) {
			guests, err := client.ClusterGuests(ctx)
			out := make([]allocstore.TaggedGuest, len(guests))
			for i, g := range guests {
				out[i] = allocstore.TaggedGuest{VMID: g.VMID, Node: g.Node, Tags: g.Tags}
			}
			return out, err
		},
	}
}
