package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

var _ datasource.DataSourceWithConfigure = (*catalogDataSource)(nil)

func newCatalogDataSource() datasource.DataSource { return &catalogDataSource{} }

// catalogDataSource searches the catalog, like the store page of Proximity.
type catalogDataSource struct {
	data *providerData
}

type catalogModel struct {
	ID         types.String      `tfsdk:"id"`
	Category   types.String      `tfsdk:"category"`
	Tag        types.String      `tfsdk:"tag"`
	Query      types.String      `tfsdk:"query"`
	Apps       []catalogEntry    `tfsdk:"apps"`
	Categories []catalogCategory `tfsdk:"categories"`
}

type catalogEntry struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Category    types.String `tfsdk:"category"`
	Description types.String `tfsdk:"description"`
	Version     types.String `tfsdk:"version"`
}

type catalogCategory struct {
	Name  types.String `tfsdk:"name"`
	Count types.Int64  `tfsdk:"count"`
}

func (d *catalogDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_catalog"
}

func (d *catalogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Searches the app catalog (the embedded one plus `catalog_paths`). All filters are optional and combine.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"category": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only apps of this category, for example `Media` (case-insensitive).",
			},
			"tag": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only apps with this tag, for example `sso`.",
			},
			"query": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Text to find in the id, name, description or tags.",
			},

			// Computed attributes
			"id": computed("A fixed id for the search, made of its filters."),
			"apps": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching apps, sorted by id.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          computed("Catalog id."),
						"name":        computed("Display name."),
						"category":    computed("Category."),
						"description": computed("What the app does."),
						"version":     computed("Pinned version."),
					},
				},
			},
			"categories": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Categories of the matching apps with how many apps each holds.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": computed("Category name."),
						"count": schema.Int64Attribute{
							Computed:            true,
							MarkdownDescription: "Number of matching apps in it.",
						},
					},
				},
			},
		},
	}
}

func (d *catalogDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureCatalogData(req.ProviderData, &resp.Diagnostics)
}

func (d *catalogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		notConfigured(&resp.Diagnostics, "proximity_catalog")
		return
	}
	var m catalogModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apps := d.data.catalog.Search(m.Category.ValueString(), m.Tag.ValueString(), m.Query.ValueString())
	m.ID = types.StringValue("category=" + m.Category.ValueString() + ";tag=" + m.Tag.ValueString() + ";query=" + m.Query.ValueString())
	m.Apps = make([]catalogEntry, 0, len(apps))
	for _, a := range apps {
		m.Apps = append(m.Apps, catalogEntry{
			ID: types.StringValue(a.ID), Name: types.StringValue(a.Name), Category: types.StringValue(a.Category),
			Description: types.StringValue(a.Description), Version: types.StringValue(a.Version),
		})
	}
	m.Categories = []catalogCategory{}
	for _, c := range catalog.CategoryCounts(apps) {
		m.Categories = append(m.Categories, catalogCategory{Name: types.StringValue(c.Name), Count: types.Int64Value(int64(c.Count))})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
