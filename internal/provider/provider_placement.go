package provider

import (
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// placementAttribute is the provider's placement: the rule (deploy's
// chooseNode) that chooses the node of an application that names none.
func placementAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("How a create chooses the node of an application that sets no `node`, when `default_node` "+
			"is not set either: %s. `pack` (the default) takes the online node with the most free memory; the creates of one apply "+
			"read the same memory, so they land on one node. `spread` takes the online node with the fewest Proximity apps "+
			"(containers tagged `proximity`, counted in the cluster listing the create reads, plus the apps this apply is creating), "+
			"then the most free memory. Either takes only a node with the app's memory free and its `bridge`. It chooses at create "+
			"only: a changed rule moves no app. Env: `PROXIMITY_PLACEMENT`.", oneOfMarkdown(deploy.Placements)),
		Validators: []validator.String{stringvalidator.OneOf(deploy.Placements...)},
	}
}

// checkPlacement is the schema's check of placement, for a value from the
// environment.
func checkPlacement(v string) string {
	if slices.Contains(deploy.Placements, v) {
		return ""
	}
	return fmt.Sprintf("placement %q must be %s", v, oneOfMarkdown(deploy.Placements))
}
