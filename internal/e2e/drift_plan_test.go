package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// maxDriftPlanLines bounds what `terraform plan` prints for a container
// stopped out of band: the header, the resource with status, ip_address,
// url, services and health (a started app's services and health check are
// read again; the log's new
// operation, a map key of unknown value, is in the plan's JSON only), and
// the summary. Before the log kept operations, the whole step log showed
// as removed: 109 lines, counted the same way.
const maxDriftPlanLines = 25

// TestDriftPlanIsShort stops an application's container out of band and
// reads the plan as a CI drift job prints it: a few lines, of which the
// changes are status, the address and services (a started container's)
// and one new operation in deployment_log, every earlier one kept and hidden. The apply
// of that plan starts the container and records the operation with its
// start step. With the history full, the plan also drops the oldest
// operation, a line a step.
func TestDriftPlanIsShort(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{})
	c := newCLI(t, sim, `
variable "description" {
  type    = string
  default = "web"
}

resource "proximity_application" "web" {
  catalog_id  = "nginx"
  hostname    = "web"
  description = var.description
}
`)
	client := simClient(t, sim)
	c.apply()
	ct, _ := guestNamed(t, client, "web")
	if err := client.ShutdownGuest(context.Background(), ct.Node, ct.VMID, 30); err != nil {
		t.Fatal(err)
	}

	expectShortPlan(t, c, "drift.tfplan", "web", maxDriftPlanLines)
	change := plannedChange(t, c, "drift.tfplan", "proximity_application.web")
	want := []string{"deployment_log", "direct_url", "embed_url", "health", "ip_address", "services", "status", "url"}
	if got := change.changed(); !slices.Equal(got, want) {
		t.Errorf("the plan changes %v, want %v", got, want)
	}
	change.expectOneOperationAppended(t, 0)

	c.must("apply", "-input=false", "-no-color", "drift.tfplan")
	log := operations(t, resourceValues(t, c, "proximity_application.web"))
	if len(log) != 2 || log[0]["operation"] != "create" || log[1]["operation"] != "update" || log[1]["status"] != "ok" {
		t.Fatalf("deployment_log after the apply: %v", log)
	}
	// The first update also takes the deploying mark off (update config).
	if steps := fmt.Sprint(log[1]["steps"]); !regexp.MustCompile(`[\[ ]start: ok in \d+ ms[\] ]`).MatchString(steps) {
		t.Errorf("the update's steps %s, want the start step", steps)
	}
	c.planIsEmpty()

	// Fill the history (a description change is one operation), stop the
	// container again: the plan drops the oldest operation, the create.
	for i := 3; i <= 10; i++ {
		c.must("apply", "-auto-approve", "-input=false", "-no-color", fmt.Sprintf("-var=description=web %d", i))
	}
	if err := client.ShutdownGuest(context.Background(), ct.Node, ct.VMID, 30); err != nil {
		t.Fatal(err)
	}
	expectShortPlan(t, c, "full.tfplan", "web 10", maxDriftPlanLines+fullHistoryDropLines)
	plannedChange(t, c, "full.tfplan", "proximity_application.web").expectOneOperationAppended(t, 1)
}

// fullHistoryDropLines is what dropping the oldest operation (a create of
// nginx: 13 steps) adds to a plan: its fields and a line a step.
const fullHistoryDropLines = 20

// expectShortPlan saves a plan and fails the test when what the CLI prints
// for it, from "Terraform used the selected providers" on (what precedes it
// is the dev_overrides warning and the refresh), is more than most lines.
func expectShortPlan(t *testing.T, c *cli, planFile, description string, most int) {
	t.Helper()
	out := c.must("plan", "-input=false", "-no-color", "-var=description="+description, "-out="+planFile)
	const start = "Terraform used the selected providers"
	_, plan, ok := strings.Cut(out, start)
	plan = start + plan
	if !ok {
		t.Fatalf("no plan in the output:\n%s", out)
	}
	n := strings.Count(strings.TrimSpace(plan), "\n") + 1
	t.Logf("the plan of a stopped container, %d lines:\n%s", n, plan)
	if n > most {
		t.Errorf("the plan is %d lines, want at most %d", n, most)
	}
}

// change is one resource's planned change from `show -json`.
type change struct {
	Before       map[string]any `json:"before"`
	After        map[string]any `json:"after"`
	AfterUnknown map[string]any `json:"after_unknown"`
}

// plannedChange reads a resource's change from a saved plan.
func plannedChange(t *testing.T, c *cli, planFile, address string) change {
	t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  change `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(c.must("show", "-json", planFile)), &plan); err != nil {
		t.Fatal(err)
	}
	for _, rc := range plan.ResourceChanges {
		if rc.Address == address {
			return rc.Change
		}
	}
	t.Fatalf("the plan has no change for %s", address)
	return change{}
}

// changed names the attributes whose planned value differs from the state's
// or is unknown, sorted.
func (c change) changed() []string {
	var names []string
	for name := range maps.Keys(c.Before) {
		if !reflect.DeepEqual(c.Before[name], c.After[name]) || anyUnknown(c.AfterUnknown[name]) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// anyUnknown reports whether an after_unknown value marks something
// unknown: true, or a true anywhere in the object or list it mirrors (an
// object attribute with nothing unknown in it is {} or {"x": false}).
func anyUnknown(v any) bool {
	switch u := v.(type) {
	case bool:
		return u
	case map[string]any:
		for _, e := range u {
			if anyUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range u {
			if anyUnknown(e) {
				return true
			}
		}
	}
	return false
}

// expectOneOperationAppended checks that the planned deployment_log is the
// state's without its dropped oldest operations, with the next operation
// number added, its value unknown.
func (c change) expectOneOperationAppended(t *testing.T, dropped int) {
	t.Helper()
	before, _ := c.Before["deployment_log"].(map[string]any)
	after, _ := c.After["deployment_log"].(map[string]any)
	unknown, _ := c.AfterUnknown["deployment_log"].(map[string]any)
	keys := slices.Sorted(maps.Keys(before))
	last := 0
	if len(keys) > 0 {
		last, _ = strconv.Atoi(keys[len(keys)-1])
	}
	next := fmt.Sprintf("%04d", last+1)
	want := append(slices.Clone(keys[dropped:]), next)
	planned := maps.Clone(after) // a key whose value is unknown is only in after_unknown
	for key, u := range unknown {
		if u == true {
			planned[key] = nil
		}
	}
	if got := slices.Sorted(maps.Keys(planned)); !slices.Equal(got, want) {
		t.Fatalf("deployment_log planned with the operations %v from %v, want %v", got, keys, want)
	}
	for _, key := range keys[dropped:] {
		if !reflect.DeepEqual(after[key], before[key]) {
			t.Errorf("the plan changes operation %s:\nbefore %v\nafter  %v", key, before[key], after[key])
		}
	}
	for key, u := range unknown {
		if (u == true) != (key == next) {
			t.Errorf("deployment_log[%s] unknown: %v", key, u)
		}
	}
	if unknown[next] != true {
		t.Errorf("the new operation %s is not unknown: %v", next, unknown)
	}
}

// operations is an application's deployment_log from its values, in order.
func operations(t *testing.T, values map[string]any) []map[string]any {
	t.Helper()
	log, ok := values["deployment_log"].(map[string]any)
	if !ok {
		t.Fatalf("deployment_log is not a map: %v", values["deployment_log"])
	}
	var out []map[string]any
	for _, key := range slices.Sorted(maps.Keys(log)) {
		op, ok := log[key].(map[string]any)
		if !ok {
			t.Fatalf("deployment_log[%s] is %T", key, log[key])
		}
		out = append(out, op)
	}
	return out
}
