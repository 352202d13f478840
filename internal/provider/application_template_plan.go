package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// templatePlanModifiers plan template: the state's value while the
// configuration names none, the state's value too when the configuration
// names the same template in the other form (a file name for the volid the
// app runs, or the reverse; deploy.SameTemplate), and a replacement only
// for another template. Terraform takes a planned value equal to the prior
// one as the provider's word that both forms are equivalent.
func templatePlanModifiers() []planmodifier.String {
	return []planmodifier.String{
		stringplanmodifier.UseStateForUnknown(),
		sameTemplateForm{},
		stringplanmodifier.RequiresReplaceIfConfigured(),
	}
}

// sameTemplateForm plans the state's value of template when the
// configuration names that template in another form.
type sameTemplateForm struct{}

func (sameTemplateForm) Description(context.Context) string {
	return "keeps the state's form of a template the configuration names by file name or volid"
}

func (m sameTemplateForm) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (sameTemplateForm) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if deploy.SameTemplate(req.ConfigValue.ValueString(), req.StateValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}
