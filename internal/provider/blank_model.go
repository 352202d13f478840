package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// blankModel fills target, a resource's model, with every attribute of the
// state's schema null and of its schema type, as an import begins. The
// import's setters then fill in what it learns, and one State.Set saves it:
// a zero model cannot be saved, as its null maps, lists and objects lack
// their element types.
func blankModel(ctx context.Context, state tfsdk.State, target any) diag.Diagnostics {
	objectType, ok := state.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		var diags diag.Diagnostics
		diags.AddError("Unexpected schema type", "a resource schema is not an object type; this is a bug in the provider")
		return diags
	}
	nulls := make(map[string]tftypes.Value, len(objectType.AttributeTypes))
	for name, t := range objectType.AttributeTypes {
		nulls[name] = tftypes.NewValue(t, nil)
	}
	blank := tfsdk.State{Schema: state.Schema, Raw: tftypes.NewValue(objectType, nulls)}
	return blank.Get(ctx, target)
}
