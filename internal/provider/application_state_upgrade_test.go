package provider

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestUpgradeStateFromV0 upgrades states written by the provider before
// deployment_log kept operations (schema version 0), through the provider
// server as Terraform calls it. testdata/application_state_v0.json is the
// attributes of an application as that provider wrote them (make demo's
// state, the password replaced): its 13 create steps become operation
// "0001", a create, with every other attribute as it was.
func TestUpgradeStateFromV0(t *testing.T) {
	fixture, err := os.ReadFile("testdata/application_state_v0.json")
	if err != nil {
		t.Fatal(err)
	}
	var written map[string]any
	if err := json.Unmarshal(fixture, &written); err != nil {
		t.Fatal(err)
	}
	failedUpdate := []map[string]any{
		{"step": "update config", "status": "ok", "message": "1 options", "started_at": "2026-11-26T03:00:00Z", "duration_ms": 4},
		{"step": "compose up", "status": "failed", "message": "exit 1:\nno such image", "started_at": "2026-11-26T03:00:01Z", "duration_ms": 900},
	}
	for _, c := range []struct {
		name      string
		log       any
		operation string // "": an empty history
		status    string
		steps     []string
	}{
		{name: "create", log: written["deployment_log"], operation: "create", status: "ok"},
		{name: "failed update", log: failedUpdate, operation: "update", status: "failed",
			steps: []string{"update config: ok in 4 ms: 1 options", "compose up: failed in 900 ms: exit 1: no such image"}},
		{name: "imported", log: []any{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			written["deployment_log"] = c.log
			raw, _ := json.Marshal(written)
			state := upgradeV0(t, raw)
			ops := state.DeploymentLog.Elements()
			if c.operation == "" {
				if len(ops) != 0 || state.DeploymentLog.IsNull() {
					t.Fatalf("deployment_log %v, want an empty map", state.DeploymentLog)
				}
				return
			}
			op, ok := ops["0001"].(types.Object)
			if len(ops) != 1 || !ok {
				t.Fatalf("deployment_log %v, want one operation 0001", state.DeploymentLog)
			}
			var got struct {
				Operation string   `tfsdk:"operation"`
				StartedAt string   `tfsdk:"started_at"`
				Status    string   `tfsdk:"status"`
				Steps     []string `tfsdk:"steps"`
			}
			if d := op.As(context.Background(), &got, basetypes.ObjectAsOptions{}); d.HasError() {
				t.Fatal(d)
			}
			if got.Operation != c.operation || got.Status != c.status {
				t.Errorf("operation %+v, want %s %s", got, c.operation, c.status)
			}
			if c.steps != nil && !slices.Equal(got.Steps, c.steps) {
				t.Errorf("steps %q, want %q", got.Steps, c.steps)
			}
			if c.name == "create" && (len(got.Steps) != 13 || got.Steps[12] != "check services: ok in 1 ms: it-tools running" ||
				got.StartedAt != "2026-11-26T02:16:52Z") {
				t.Errorf("the create's steps %q, started %v", got.Steps, got.StartedAt)
			}
			if state.ID.ValueString() != "pve3/100" || state.PublicPort.ValueInt64() != 8100 || state.URL.ValueString() != "http://10.10.1.3:80" {
				t.Errorf("the other attributes changed: id %v, public_port %v, url %v", state.ID, state.PublicPort, state.URL)
			}
		})
	}
}

// upgradeV0 sends a version 0 state to the provider server and reads the
// upgraded one into the model.
func upgradeV0(t *testing.T, raw []byte) applicationModel {
	t.Helper()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "proximity_application", Version: 0, RawState: &tfprotov6.RawState{JSON: raw},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("upgrade: %s: %s", d.Summary, d.Detail)
	}
	var schema resource.SchemaResponse
	(&applicationResource{}).Schema(ctx, resource.SchemaRequest{}, &schema)
	value, err := resp.UpgradedState.Unmarshal(schema.Schema.Type().TerraformType(ctx))
	if err != nil {
		t.Fatal(err)
	}
	var m applicationModel
	if d := (tfsdk.State{Schema: schema.Schema, Raw: value}).Get(ctx, &m); d.HasError() {
		t.Fatalf("the upgraded state does not fit the schema: %v", d)
	}
	return m
}
