package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

var _ datasource.DataSourceWithConfigure = (*catalogAppDataSource)(nil)

func newCatalogAppDataSource() datasource.DataSource { return &catalogAppDataSource{} }

// catalogAppDataSource reads one catalog entry by id.
type catalogAppDataSource struct {
	data *providerData
}

type catalogAppModel struct {
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	Description   types.String `tfsdk:"description"`
	Version       types.String `tfsdk:"version"`
	Icon          types.String `tfsdk:"icon"`
	Category      types.String `tfsdk:"category"`
	DockerCompose types.String `tfsdk:"docker_compose"`
	Services      types.List   `tfsdk:"services"`
	Ports         types.List   `tfsdk:"ports"`
	MainPort      types.Int64  `tfsdk:"main_port"`
	Volumes       types.List   `tfsdk:"volumes"`
	Environment   types.Map    `tfsdk:"environment"`
	MinMemory     types.Int64  `tfsdk:"min_memory"`
	MinCPU        types.Int64  `tfsdk:"min_cpu"`
	MinDisk       types.Int64  `tfsdk:"min_disk"`
	Tags          types.List   `tfsdk:"tags"`
	Author        types.String `tfsdk:"author"`
	Website       types.String `tfsdk:"website"`
	Source        types.String `tfsdk:"source"`
}

func (d *catalogAppDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_catalog_app"
}

func (d *catalogAppDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	num := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: desc,
		}
	}
	list := func(desc string, elem types.ListType) schema.ListAttribute {
		return schema.ListAttribute{
			Computed:            true,
			ElementType:         elem.ElemType,
			MarkdownDescription: desc,
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One app of the catalog (the embedded one plus `catalog_paths`): what it is, its compose " +
			"document and the minimum resources its container needs.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Catalog id of the app, for example `nextcloud`. An unknown id fails with the closest ids.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},

			// Computed attributes
			"name":           str("Display name."),
			"description":    str("What the app does."),
			"version":        str("Version the images are pinned to."),
			"icon":           str("URL of the app's icon."),
			"category":       str("Catalog category, for example `Productivity`."),
			"docker_compose": str("The compose document as YAML text, before the app's environment is applied."),
			"services":       list("Names of the compose services, the main one first.", types.ListType{ElemType: types.StringType}),
			"ports":          list("Ports the app publishes; the first is its main HTTP port.", types.ListType{ElemType: types.Int64Type}),
			"main_port":      num("The app's main HTTP port, used for its URL."),
			"volumes":        list("Named volumes that hold the app's data.", types.ListType{ElemType: types.StringType}),
			"environment": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Default environment merged into every service; override it in the application's `environment`.",
			},
			"min_memory": num("Minimum memory of the container, in MB."),
			"min_cpu":    num("Minimum CPU cores of the container."),
			"min_disk":   num("Minimum root disk of the container, in GB."),
			"tags":       list("Search tags.", types.ListType{ElemType: types.StringType}),
			"author":     str("Who makes the app."),
			"website":    str("The app's website."),
			"source":     str("The catalog file the entry comes from (`embedded:apps/<id>.json` for the built-in catalog)."),
		},
	}
}

func (d *catalogAppDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureCatalogData(req.ProviderData, &resp.Diagnostics)
}

func (d *catalogAppDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		notConfigured(&resp.Diagnostics, "proximity_catalog_app")
		return
	}
	var cfg catalogAppModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := cfg.ID.ValueString()
	app, err := d.data.apps.CatalogApp(id)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Unknown catalog app",
			unknownAppDetail(err)+" The proximity_catalog data source lists every app.")
		return
	}
	state, diags := catalogAppState(ctx, app)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
}

func catalogAppState(ctx context.Context, app *catalog.App) (catalogAppModel, diagnostics) {
	var diags diagnostics
	yml, err := app.ComposeYAML()
	if err != nil {
		diags.AddError("Unable to render the compose document", fmt.Sprintf("app %s: %v", app.ID, err))
	}
	ports := make([]int64, len(app.Ports))
	for i, p := range app.Ports {
		ports[i] = int64(p)
	}
	m := catalogAppModel{
		ID: types.StringValue(app.ID), Name: types.StringValue(app.Name), Description: types.StringValue(app.Description),
		Version: types.StringValue(app.Version), Icon: types.StringValue(app.Icon), Category: types.StringValue(app.Category),
		DockerCompose: types.StringValue(yml), MainPort: types.Int64Value(int64(app.MainPort())),
		MinMemory: types.Int64Value(int64(app.MinMemory)), MinCPU: types.Int64Value(int64(app.MinCPU)), MinDisk: types.Int64Value(int64(app.MinDisk)),
		Author: types.StringValue(app.Author), Website: types.StringValue(app.Website), Source: types.StringValue(app.Source),
	}
	var d diagnostics
	m.Services, d = types.ListValueFrom(ctx, types.StringType, app.ServiceNames())
	diags.Append(d...)
	m.Ports, d = types.ListValueFrom(ctx, types.Int64Type, ports)
	diags.Append(d...)
	m.Volumes, d = types.ListValueFrom(ctx, types.StringType, nonNil(app.Volumes))
	diags.Append(d...)
	m.Environment, d = types.MapValueFrom(ctx, types.StringType, app.Environment)
	diags.Append(d...)
	m.Tags, d = types.ListValueFrom(ctx, types.StringType, nonNil(app.Tags))
	diags.Append(d...)
	return m, diags
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
