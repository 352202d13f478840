package provider

import (
	"context"
	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*nodesDataSource)(nil)

func newNodesDataSource() datasource.DataSource { return &nodesDataSource{} }

// nodesDataSource lists the cluster's nodes with their free resources.
type nodesDataSource struct {
	data *providerData
}

type nodesModel struct {
	ID       types.String     `tfsdk:"id"`
	Nodes    []nodeModel      `tfsdk:"nodes"`
	Timeouts dstimeouts.Value `tfsdk:"timeouts"`
}

type nodeModel struct {
	Name        types.String  `tfsdk:"name"`
	Online      types.Bool    `tfsdk:"online"`
	CPUs        types.Int64   `tfsdk:"cpus"`
	CPUUsage    types.Float64 `tfsdk:"cpu_usage"`
	MemoryUsed  types.Int64   `tfsdk:"memory_used"`
	MemoryTotal types.Int64   `tfsdk:"memory_total"`
	MemoryFree  types.Int64   `tfsdk:"memory_free"`
	DiskUsed    types.Int64   `tfsdk:"disk_used"`
	DiskTotal   types.Int64   `tfsdk:"disk_total"`
	Uptime      types.Int64   `tfsdk:"uptime"`
}

func (d *nodesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_nodes"
}

func (d *nodesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The nodes of the Proxmox VE cluster with their status and free resources, sorted by name. " +
			"Useful to choose a node for an app or to check capacity in CI.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"timeouts": dstimeouts.Attributes(ctx),

			// Computed attributes
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The API endpoint of the cluster.",
			},
			"nodes": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One entry per node.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "Node name, for example `pve1`.",
						},
						"online": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether the node is online.",
						},
						"cpus": computedInt("Number of CPU threads."),
						"cpu_usage": schema.Float64Attribute{
							Computed:            true,
							MarkdownDescription: "CPU usage, from 0 to 1.",
						},
						"memory_used":  computedInt("Memory in use, in bytes."),
						"memory_total": computedInt("Total memory, in bytes."),
						"memory_free":  computedInt("Memory still free, in bytes."),
						"disk_used":    computedInt("Root disk in use, in bytes."),
						"disk_total":   computedInt("Root disk size, in bytes."),
						"uptime":       computedInt("Seconds since the node booted."),
					},
				},
			},
		},
	}
}

func (d *nodesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *nodesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		notConfigured(&resp.Diagnostics, "proximity_nodes")
		return
	}
	ctx, cancel, configured := dataSourceTimeout(ctx, req.Config, &resp.Diagnostics)
	defer cancel()
	nodes, err := d.data.client.Nodes(ctx)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to list Proxmox nodes", err.Error(), err)
		return
	}
	state := nodesModel{ID: types.StringValue(d.data.client.Endpoint()), Nodes: make([]nodeModel, 0, len(nodes)), Timeouts: configured}
	for _, n := range nodes {
		state.Nodes = append(state.Nodes, nodeModel{
			Name: types.StringValue(n.Name), Online: types.BoolValue(n.Online), CPUs: types.Int64Value(int64(n.CPUs)),
			CPUUsage: types.Float64Value(n.CPUUsage), MemoryUsed: types.Int64Value(n.MemoryUsed), MemoryTotal: types.Int64Value(n.MemoryTotal),
			MemoryFree: types.Int64Value(n.MemoryFree()), DiskUsed: types.Int64Value(n.DiskUsed), DiskTotal: types.Int64Value(n.DiskTotal),
			Uptime: types.Int64Value(n.Uptime),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
