package provider

import (
	"context"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
)

var _ datasource.DataSourceWithConfigure = (*portUsageDataSource)(nil)

func newPortUsageDataSource() datasource.DataSource { return &portUsageDataSource{} }

// portUsageDataSource reports how full the port ranges are.
type portUsageDataSource struct {
	data *providerData
}

type portUsageModel struct {
	ID          types.String      `tfsdk:"id"`
	Public      rangeUsageModel   `tfsdk:"public"`
	Internal    rangeUsageModel   `tfsdk:"internal"`
	Allocations []allocationModel `tfsdk:"allocations"`
	Timeouts    dstimeouts.Value  `tfsdk:"timeouts"`
}

type rangeUsageModel struct {
	From types.Int64 `tfsdk:"from"`
	To   types.Int64 `tfsdk:"to"`
	Used types.Int64 `tfsdk:"used"`
	Free types.Int64 `tfsdk:"free"`
}

func (d *portUsageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_port_usage"
}

func (d *portUsageDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	num := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	usage := func(which string) schema.SingleNestedAttribute {
		return schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: "Use of the " + which + " port range.",
			Attributes: map[string]schema.Attribute{
				"from": num("First port of the range."),
				"to":   num("Last port of the range."),
				"used": num("Ports in use: allocated, or recorded on a container."),
				"free": num("Ports still free."),
			},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "How full the public and internal port ranges are, and every allocation in the allocation file.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"timeouts": dstimeouts.Attributes(ctx),

			// Computed attributes
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Where the allocation file is.",
			},
			"public":   usage("public"),
			"internal": usage("internal"),
			"allocations": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Every allocation, by public port.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "Allocation id.",
						},
						"public_port":   num("Public port."),
						"internal_port": num("Internal port."),
						"owner": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "What it is for.",
						},
						"created_at": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "When it was allocated.",
						},
					},
				},
			},
		},
	}
}

func (d *portUsageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureData(req.ProviderData, &resp.Diagnostics)
}

func (d *portUsageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		notConfigured(&resp.Diagnostics, "proximity_port_usage")
		return
	}
	ctx, cancel, configured := dataSourceTimeout(ctx, req.Config, &resp.Diagnostics)
	defer cancel()
	pub, in, all, err := d.data.ports.Usage(ctx)
	if err != nil {
		addError(&resp.Diagnostics, "Unable to read port usage", err.Error(), err)
		return
	}
	m := portUsageModel{
		ID:          types.StringValue(d.data.ports.Store.Location()),
		Public:      usageModel(pub),
		Internal:    usageModel(in),
		Allocations: make([]allocationModel, 0, len(all)),
		Timeouts:    configured,
	}
	for _, a := range all {
		m.Allocations = append(m.Allocations, allocationOf(a))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func usageModel(u allocstore.Usage) rangeUsageModel {
	return rangeUsageModel{
		From: types.Int64Value(int64(u.Range.From)),
		To:   types.Int64Value(int64(u.Range.To)),
		Used: types.Int64Value(int64(u.Used)),
		Free: types.Int64Value(int64(u.Free)),
	}
}
