package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

var _ resource.ResourceWithUpgradeState = (*applicationResource)(nil)

// applicationSchemaVersion is the version of proximity_application's schema.
// Version 0 kept the steps of the last create or update in deployment_log
// (a list); version 1 keeps a history of operations, each with its steps (a
// map by operation number).
const applicationSchemaVersion = 1

// UpgradeState turns a version 0 state into the current one.
func (r *applicationResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: r.upgradeFromV0},
	}
}

// stepV0 is one entry of a version 0 deployment_log.
type stepV0 struct {
	Step       string `json:"step"`
	Status     string `json:"status"`
	Message    string `json:"message"`
	StartedAt  string `json:"started_at"`
	DurationMS int64  `json:"duration_ms"`
}

// upgradeFromV0 works on the raw JSON rather than a copy of the old schema:
// only deployment_log changed shape, so every other attribute passes as it
// is (one the schema no longer has is dropped), and the old log becomes one
// operation.
func (r *applicationResource) upgradeFromV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Unable to upgrade the application's state", "The state of version 0 has no JSON form to read.")
		return
	}
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	attributes := schemaResp.Schema.GetAttributes()
	upgraded, err := upgradeStateV0(req.RawState.JSON, func(name string) bool { _, ok := attributes[name]; return ok })
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the application's state", fmt.Sprintf("turning deployment_log into operations: %v", err))
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: upgraded}
}

// upgradeStateV0 is a version 0 state's JSON in the current form; known
// says which attributes the current schema has.
func upgradeStateV0(state []byte, known func(string) bool) ([]byte, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(state, &raw); err != nil {
		return nil, err
	}
	var steps []stepV0
	if v, ok := raw["deployment_log"]; ok {
		if err := json.Unmarshal(v, &steps); err != nil {
			return nil, fmt.Errorf("deployment_log: %w", err)
		}
	}
	operations := map[string]any{}
	if len(steps) > 0 {
		operations[operationKey(1)] = operationFromV0(steps)
	}
	log, err := json.Marshal(operations)
	if err != nil {
		return nil, err
	}
	raw["deployment_log"] = log
	for name := range raw {
		if !known(name) {
			delete(raw, name)
		}
	}
	return json.Marshal(raw)
}

// operationFromV0 is the one operation a version 0 log recorded, named from
// its steps (deploy.GuessOperation): it started with its first step and
// failed if a step did.
func operationFromV0(steps []stepV0) map[string]any {
	names := make([]string, 0, len(steps))
	lines := make([]string, 0, len(steps))
	status := "ok"
	for _, s := range steps {
		names = append(names, s.Step)
		lines = append(lines, deploy.Step{Name: s.Step, Status: s.Status, Message: s.Message,
			Duration: time.Duration(s.DurationMS) * time.Millisecond}.String())
		if s.Status == "failed" {
			status = "failed"
		}
	}
	return map[string]any{
		"operation":  deploy.GuessOperation(names),
		"started_at": steps[0].StartedAt,
		"status":     status,
		"steps":      lines,
	}
}
