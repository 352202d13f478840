package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// This file maps an application's history (deployment_log) between deploy's
// operations and the state. Which update adds an operation is deploy's rule
// (Change.RunsSteps); how long the history is, deploy.HistoryLimit.
//
// The history is a map keyed by the operation's number ("0001", "0002",
// ...), not a list: Terraform compares list elements position by position,
// so dropping the oldest operation of a list would show every operation as
// changed, where a map shows one key gone and one added, the rest hidden.
// A plan that runs steps adds the next number, its value known after apply.

// emptyHistory is the log of an application no operation ran on yet (a
// container just imported).
func emptyHistory(diags *diag.Diagnostics) types.Map {
	log, d := types.MapValue(operationType, map[string]attr.Value{})
	diags.Append(d...)
	return log
}

// newHistory is the log of a create: its one operation.
func newHistory(op deploy.Operation, diags *diag.Diagnostics) types.Map {
	log, d := types.MapValue(operationType, map[string]attr.Value{operationKey(1): operationValue(op, diags)})
	diags.Append(d...)
	return log
}

// plannedHistory is deployment_log in the plan of an update that runs
// steps: the operations of the state that stay, and the next one, known
// after apply.
func plannedHistory(state types.Map, diags *diag.Diagnostics) types.Map {
	kept, last := keptOperations(state)
	kept[operationKey(last+1)] = types.ObjectUnknown(operationType.AttrTypes)
	log, d := types.MapValue(operationType, kept)
	diags.Append(d...)
	return log
}

// appliedHistory is deployment_log after an update, as its plan said: the
// operation the plan left unknown becomes op; a log the plan kept stays as
// it was (the update ran no step, Change.RunsSteps). A log planned unknown
// as a whole (an update whose configuration was not known when planned) is
// the state's with op added when it ran steps.
func appliedHistory(planned, prior types.Map, op deploy.Operation, diags *diag.Diagnostics) types.Map {
	if planned.IsUnknown() {
		if len(op.Steps) == 0 && op.Status == "ok" {
			return prior
		}
		planned = plannedHistory(prior, diags)
	}
	operations := map[string]attr.Value{}
	added := false
	for key, v := range planned.Elements() {
		if v.IsUnknown() {
			v, added = operationValue(op, diags), true
		}
		operations[key] = v
	}
	if !added {
		return planned
	}
	log, d := types.MapValue(operationType, operations)
	diags.Append(d...)
	return log
}

// keptOperations are the operations of a log that stay when one is added
// (the newest, leaving room for it within deploy.HistoryLimit), and the
// number of the last one.
func keptOperations(log types.Map) (kept map[string]attr.Value, last int) {
	kept = map[string]attr.Value{}
	if log.IsNull() || log.IsUnknown() {
		return kept, 0
	}
	numbers := make([]int, 0, len(log.Elements()))
	for key := range log.Elements() {
		n, _ := strconv.Atoi(key)
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	if len(numbers) > 0 {
		last = numbers[len(numbers)-1]
	}
	for _, n := range numbers[len(numbers)-deploy.HistoryKept(len(numbers)):] {
		kept[operationKey(n)] = log.Elements()[operationKey(n)]
	}
	return kept, last
}

// operationKey is an operation's number as deployment_log's key: four
// digits, so that the keys sort in order.
func operationKey(n int) string {
	return fmt.Sprintf("%04d", n)
}

// operationValue is one operation as deployment_log holds it.
func operationValue(op deploy.Operation, diags *diag.Diagnostics) attr.Value {
	steps := make([]attr.Value, 0, len(op.Steps))
	for _, s := range op.Steps {
		steps = append(steps, types.StringValue(s.String()))
	}
	list, d := types.ListValue(types.StringType, steps)
	diags.Append(d...)
	obj, d := types.ObjectValue(operationType.AttrTypes, map[string]attr.Value{
		"operation":  types.StringValue(op.Name),
		"started_at": types.StringValue(op.StartedAt.UTC().Format(time.RFC3339)),
		"status":     types.StringValue(op.Status),
		"steps":      list,
	})
	diags.Append(d...)
	return obj
}

// updateOperation names what an update did: a take-over of an imported
// container (with whatever else the update changed), else deploy's name.
func updateOperation(c deploy.Change, tookOver bool) string {
	if tookOver {
		return deploy.OperationTakeOver
	}
	return c.Operation()
}

// recordFailedUpdate records a failed update's operation, with the step that
// failed, in the state, which otherwise keeps what it had: the next plan
// runs the update again.
func recordFailedUpdate(ctx context.Context, resp *resource.UpdateResponse, log types.Map) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deployment_log"), log)...)
}
