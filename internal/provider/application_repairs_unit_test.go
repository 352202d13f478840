package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// privateMap is a private state in memory: SetKey with no value removes
// the key, as the framework's does.
type privateMap map[string][]byte

func (p privateMap) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p privateMap) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(p, key)
	} else {
		p[key] = value
	}
	return nil
}

// repairOwnTags makes the update rewrite the tags when tags are missing
// (alone a reason to update), and for a deploying mark only when the update
// runs steps anyway: a mark alone never makes a plan non-empty. Applied,
// the repair clears the private state's record.
func TestRepairOwnTags(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	plan := applicationModel{Tags: types.SetValueMust(types.StringType, nil)}
	for _, tc := range []struct {
		name     string
		seen     ownTagsSeen
		change   deploy.Change
		rewrites bool
	}{
		{"nothing found", ownTagsSeen{}, deploy.Change{}, false},
		{"tags missing", ownTagsSeen{Missing: []string{"px-app-nginx"}}, deploy.Change{}, true},
		{"a mark alone", ownTagsSeen{Deploying: true}, deploy.Change{}, false},
		{"a mark with a change", ownTagsSeen{Deploying: true}, deploy.Change{Memory: 512}, true},
	} {
		p := privateMap{}
		writeOwnTags(ctx, p, tc.seen, &diags)
		c := tc.change
		applyOwnTagRepair(ctx, p, p, &c, plan, &diags)
		if (c.Tags != nil) != tc.rewrites || c.RunsSteps() != (tc.rewrites || tc.change.RunsSteps()) {
			t.Errorf("%s: tags %v, runs steps %v", tc.name, c.Tags, c.RunsSteps())
		}
		if _, kept := p[ownTagsKey]; kept == tc.rewrites && (tc.seen.Deploying || len(tc.seen.Missing) > 0) {
			t.Errorf("%s: the private state's record kept = %v after the apply", tc.name, kept)
		}
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}

// A container with the app's hostname and no px-id- tag gets its own
// warning, which says how to prove it is the app; another guest at the
// VMID gets the warning of a reused VMID.
func TestNotOursWarning(t *testing.T) {
	state := applicationModel{Hostname: types.StringValue("web"), VMID: types.Int64Value(100), Node: types.StringValue("pve1")}
	for _, tc := range []struct {
		o    deploy.Observed
		want string
	}{
		{deploy.Observed{Hostname: "web"}, "cannot be proven to be this application"},
		{deploy.Observed{Hostname: "web", Identity: "0123456789ab"}, "no longer this application"},
		{deploy.Observed{Hostname: "other"}, "no longer this application"},
	} {
		var diags diag.Diagnostics
		notOursWarning(&diags, state, tc.o)
		if len(diags) != 1 || !strings.Contains(diags[0].Summary(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, diags, tc.want)
		}
	}
}
