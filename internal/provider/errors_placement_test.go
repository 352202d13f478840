package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestPlacementErrorsLandOnTheirAttribute: a placement failure met at apply
// (the node changed between plan and apply) is reported on template,
// storage or bridge, as the plan-time checks report it.
func TestPlacementErrorsLandOnTheirAttribute(t *testing.T) {
	cases := map[string]error{
		"template": &deploy.TemplateError{Template: "debian-11-standard_11.7-1_amd64.tar.zst", Release: "Debian 11"},
		"storage":  &deploy.StorageError{Node: "pve1", Content: "rootdir", Skipped: []string{"off"}},
		"bridge":   &deploy.BridgeError{Bridge: "vmbr7", Have: map[string][]string{"pve1": {"vmbr0"}}},
	}
	for attr, cause := range cases {
		err := fmt.Errorf("ensure template: %w", cause)
		var diags diag.Diagnostics
		addError(&diags, "Deploy failed", "creating x: "+err.Error(), err)
		want := diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root(attr), "Deploy failed", "creating x: "+err.Error())}
		if !diags.Equal(want) {
			t.Errorf("%s: got %s\nwant %s", attr, describe(diags), describe(want))
		}
	}
}
