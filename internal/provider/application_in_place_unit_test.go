package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestUnfinishedRenameIsRecordedAndResumed: an apply that failed in the
// middle of a rename records the name the running container still has; the
// next plan and apply finish it (a change that runs steps, renaming from
// that name); another failure keeps the record, a success clears it.
func TestUnfinishedRenameIsRecordedAndResumed(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	p := privateMap{}
	recordRename(ctx, p, &deploy.RenameUnfinishedError{From: "one", To: "two", Step: "rename", Err: errors.New("exit 1")}, &diags)
	c := deploy.Change{CatalogID: "nginx", Hostname: "two"} // the refresh read "two" from the config
	if from := resumeRename(ctx, p, &c, &diags); from != "one" || c.NewHostname != "two" || c.RenamedFrom != "one" || !c.RunsSteps() {
		t.Errorf("resumed from %q: %+v", from, c)
	}
	recordRename(ctx, p, errors.New("the API did not answer"), &diags)
	if string(p[renameKey]) != `"one"` {
		t.Errorf("another failure dropped the record: %q", p[renameKey])
	}
	recordRename(ctx, p, nil, &diags)
	if _, kept := p[renameKey]; kept {
		t.Error("a successful update kept the record")
	}
	c = deploy.Change{CatalogID: "nginx", Hostname: "two"}
	if resumeRename(ctx, p, &c, &diags); c.RunsSteps() {
		t.Errorf("without a record: %+v", c)
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}
