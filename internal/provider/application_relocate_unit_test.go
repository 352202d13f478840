package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestRelocationErrorsOnTheirAttribute: deploy's verdicts on a move reach
// the attribute they are about through errors_diagnostics.go, also when
// wrapped: a storage that cannot hold the disk is storage's, a node not in
// the cluster or offline is node's, with the summary planRelocation gives.
func TestRelocationErrorsOnTheirAttribute(t *testing.T) {
	for _, c := range []struct {
		err     error
		at      string
		summary string
	}{
		{&deploy.RelocationError{Attribute: "storage", Reason: "no room"}, "storage", "The application cannot move there"},
		{fmt.Errorf("checking: %w", &deploy.RelocationError{Attribute: "node", Reason: "no memory"}), "node", "The application cannot move there"},
		{&deploy.NodeError{Node: "pve9", Nodes: []string{"pve1"}}, "node", "Unknown node"},
		{&deploy.NodeError{Node: "pve2", Offline: true}, "node", "Node offline"},
	} {
		var diags diag.Diagnostics
		addError(&diags, relocationSummary(c.err), c.err.Error(), c.err)
		want := diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root(c.at), c.summary, c.err.Error())}
		if !diags.Equal(want) {
			t.Errorf("%v: got %s\nwant %s", c.err, describe(diags), describe(want))
		}
	}
}
