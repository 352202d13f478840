package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestBackupWarnsWhenApplicationIDChanges: a change of application_id (an
// unknown one, as when the application is replaced, or another app's id)
// plans with a warning that the backup keeps its archive; an unchanged one,
// or one an import did not record, plans without.
func TestBackupWarnsWhenApplicationIDChanges(t *testing.T) {
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	(&backupResource{}).Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	s := schemaResp.Schema
	timeoutsType, ok := s.Attributes["timeouts"].GetType().(timeouts.Type)
	if !ok {
		t.Fatal("timeouts is not a timeouts attribute")
	}
	model := func(applicationID types.String) backupModel {
		return backupModel{
			ID: types.StringValue("local:backup/a"), ApplicationID: applicationID, Node: types.StringValue("pve1"), VMID: types.Int64Value(100),
			Storage: types.StringValue("local"), Mode: types.StringValue("snapshot"), Compress: types.StringValue("zstd"),
			Notes: types.StringNull(), Protected: types.BoolValue(false), KeepOnDestroy: types.BoolNull(),
			VolID: types.StringValue("local:backup/a"), Size: types.Int64Value(1), Format: types.StringValue("tar.zst"),
			CreatedAt: types.StringValue("2026-11-26T05:00:00Z"),
			Timeouts:  timeouts.Value{Object: types.ObjectNull(timeoutsType.AttrTypes)},
		}
	}
	for _, c := range []struct {
		name        string
		state, plan types.String
		warns       bool
	}{
		{"app replaced", types.StringValue("pve1/100"), types.StringUnknown(), true},
		{"another app", types.StringValue("pve1/100"), types.StringValue("pve2/101"), true},
		{"unchanged", types.StringValue("pve1/100"), types.StringValue("pve1/100"), false},
		{"imported", types.StringNull(), types.StringValue("pve1/100"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := resource.ModifyPlanRequest{State: tfsdk.State{Schema: s}, Plan: tfsdk.Plan{Schema: s}}
			state, plan := model(c.state), model(c.plan)
			if diags := req.State.Set(ctx, &state); diags.HasError() {
				t.Fatal(diags)
			}
			if diags := req.Plan.Set(ctx, &plan); diags.HasError() {
				t.Fatal(diags)
			}
			resp := resource.ModifyPlanResponse{Plan: req.Plan}
			(&backupResource{}).ModifyPlan(ctx, req, &resp)
			warnings := resp.Diagnostics.Warnings()
			if resp.Diagnostics.HasError() || len(warnings) != map[bool]int{true: 1, false: 0}[c.warns] {
				t.Fatalf("diagnostics %v; want warning: %v", resp.Diagnostics, c.warns)
			}
			if c.warns && !strings.Contains(warnings[0].Detail(), "stays the archive local:backup/a of CT 100 on pve1") {
				t.Errorf("warning %q does not name the archive kept", warnings[0].Detail())
			}
		})
	}
}
