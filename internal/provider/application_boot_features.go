package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// featureAttributes are the feature flags beyond nesting (deploy.Features).
var featureAttributes = map[string]schema.Attribute{
	"fuse": schema.BoolAttribute{
		Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Allow FUSE file systems in the container (PVE's `fuse`). Default: `false`.",
	},
	"mknod": schema.BoolAttribute{
		Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Allow `mknod()` of certain device nodes (PVE's `mknod`, experimental in PVE; needs a kernel " +
			"with seccomp trap to user space). Default: `false`.",
	},
	"keyctl": schema.BoolAttribute{
		Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Allow the `keyctl()` system call (PVE's `keyctl`, for unprivileged containers). Default: `false`.",
	},
	"mount": schema.SetAttribute{
		Optional:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "File system types the container may mount (PVE's `mount`), for example `[\"nfs\", \"cifs\"]`.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1),
			setvalidator.ValueStringsAre(stringCheck{"a file system type such as nfs", deploy.CheckFSType}),
		},
	},
}

// featuresAttribute is the application's features. It is optional and
// computed: left out, the flags stay as the container has them (a
// container imported with keyctl=1 keeps it, which a take-over relies on),
// and they are read into the state.
func featuresAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "Feature flags of the container beyond `nesting`, which every application's container has " +
			"(Docker needs it). PVE lets only root@pam change them, which no API token is: the provider sets them with `pct set` " +
			"as root over SSH, so no API privilege is needed for them. Changes in place; PVE applies them at the container's " +
			"next start, so a running container is restarted (the app is briefly down). Left out, the container keeps the flags " +
			"it has (none for a container the provider creates) and a change out of band is not drift; `features = {}` turns " +
			"them all off.",
		Attributes:    featureAttributes,
		PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
	}
}

// features is what the model asks for; null asks for none.
func (b applicationBoot) features(ctx context.Context, diags *diag.Diagnostics) deploy.Features {
	if b.Features.IsNull() || b.Features.IsUnknown() {
		return deploy.Features{}
	}
	a := b.Features.Attributes()
	flag := func(name string) bool {
		v, ok := a[name].(types.Bool)
		return ok && v.ValueBool()
	}
	f := deploy.Features{Fuse: flag("fuse"), Mknod: flag("mknod"), KeyCtl: flag("keyctl")}
	if mount, ok := a["mount"].(types.Set); ok {
		f.Mount = stringSet(ctx, mount, diags)
	}
	return f
}

// featuresChange is the change of the flags from the state's to the
// plan's, nil when they stay.
func (b applicationBoot) featuresChange(ctx context.Context, state applicationBoot, diags *diag.Diagnostics) *deploy.Features {
	if b.Features.IsUnknown() || b.Features.Equal(state.Features) {
		return nil
	}
	f := b.features(ctx, diags)
	return &f
}

// settleFeatures gives features left out of a create the value the
// create made: no flag beyond nesting.
func (b *applicationBoot) settleFeatures() {
	if b.Features.IsUnknown() {
		b.setFeatures(deploy.Features{})
	}
}

// setFeatures records the flags a read found.
func (b *applicationBoot) setFeatures(f deploy.Features) {
	objectType := attrTypes(featureAttributes)
	mount := basetypes.NewSetNull(types.StringType)
	if len(f.Mount) > 0 {
		values := make([]attr.Value, len(f.Mount))
		for i, m := range f.Mount {
			values[i] = types.StringValue(m)
		}
		mount = basetypes.NewSetValueMust(types.StringType, values)
	}
	b.Features = basetypes.NewObjectValueMust(objectType, map[string]attr.Value{
		"fuse": types.BoolValue(f.Fuse), "mknod": types.BoolValue(f.Mknod), "keyctl": types.BoolValue(f.KeyCtl), "mount": mount,
	})
}
