package provider

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// historyOf is a log of n operations numbered from first.
func historyOf(t *testing.T, first, n int) types.Map {
	t.Helper()
	var diags diag.Diagnostics
	log := emptyHistory(&diags)
	for i := range n {
		log = plannedHistoryAt(t, log, first+i)
	}
	return log
}

// plannedHistoryAt adds operation number n to a log, as a plan and its
// apply do (the log is made to end at n-1 first).
func plannedHistoryAt(t *testing.T, log types.Map, n int) types.Map {
	t.Helper()
	var diags diag.Diagnostics
	elements := maps.Clone(log.Elements())
	elements[operationKey(n)] = operationValue(deploy.NewOperation(deploy.OperationUpdate, nil, nil), &diags)
	out, d := types.MapValue(operationType, elements)
	diags.Append(d...)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return out
}

// The plan keeps the newest operations and adds the next number, unknown;
// the apply fills it in; the history never holds more than HistoryLimit,
// and numbering goes on after the oldest were dropped.
func TestHistoryPlanAndApply(t *testing.T) {
	for _, c := range []struct {
		name        string
		first, n    int
		wantKept    []string
		wantNewest  string
		wantPlanned int
	}{
		{name: "empty", first: 1, n: 0, wantNewest: "0001", wantPlanned: 1},
		{name: "one", first: 1, n: 1, wantKept: []string{"0001"}, wantNewest: "0002", wantPlanned: 2},
		{name: "full", first: 5, n: deploy.HistoryLimit, wantNewest: "0015", wantPlanned: deploy.HistoryLimit,
			wantKept: []string{"0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013", "0014"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			state := historyOf(t, c.first, c.n)
			planned := plannedHistory(state, &diags)
			keys := slices.Sorted(maps.Keys(planned.Elements()))
			if len(keys) != c.wantPlanned || keys[len(keys)-1] != c.wantNewest || !planned.Elements()[c.wantNewest].IsUnknown() {
				t.Fatalf("planned %v", planned)
			}
			if kept := keys[:len(keys)-1]; !slices.Equal(kept, c.wantKept) && (len(kept) > 0 || len(c.wantKept) > 0) {
				t.Errorf("kept %v, want %v", kept, c.wantKept)
			}
			op := deploy.NewOperation(deploy.OperationUpdate, []deploy.Step{{Name: "start", Status: "ok", StartedAt: time.Now()}}, nil)
			applied := appliedHistory(planned, state, op, &diags)
			if applied.Elements()[c.wantNewest].IsUnknown() || len(applied.Elements()) != c.wantPlanned || diags.HasError() {
				t.Errorf("applied %v %v", applied, diags)
			}
		})
	}
}

// A log the plan kept stays as it is at apply; a log planned unknown as a
// whole gets the operation only when it ran steps or failed.
func TestHistoryKeptAndUnknown(t *testing.T) {
	var diags diag.Diagnostics
	state := historyOf(t, 1, 2)
	none := deploy.NewOperation(deploy.OperationUpdate, nil, nil)
	if got := appliedHistory(state, state, none, &diags); !got.Equal(state) {
		t.Errorf("a kept log became %v", got)
	}
	if got := appliedHistory(types.MapUnknown(operationType), state, none, &diags); !got.Equal(state) {
		t.Errorf("an unknown log with no step became %v", got)
	}
	failed := deploy.NewOperation(deploy.OperationUpdate, nil, errors.New("no such node"))
	got := appliedHistory(types.MapUnknown(operationType), state, failed, &diags)
	if op, ok := got.Elements()["0003"].(types.Object); !ok || !op.Attributes()["status"].Equal(types.StringValue("failed")) {
		t.Errorf("a failed update is not recorded: %v", got)
	}
}

// A step is one line, its message folded onto it.
func TestStepLine(t *testing.T) {
	s := deploy.Step{Name: "check services", Status: "failed", Message: "db exited 1:\n  error: no space\n", Duration: 1500 * time.Millisecond}
	if got, want := s.String(), "check services: failed in 1500 ms: db exited 1: error: no space"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := (deploy.Step{Name: "start", Status: "ok"}).String(), "start: ok in 0 ms"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
