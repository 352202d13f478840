package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// State checks of an application's deployment_log: a map of operations by
// number ("0001", ...), each with its steps as lines
// "<step>: <status> in <n> ms[: <message>]".

// expectOperations checks the names of the operations the log holds, in
// order (oldest first), and that the numbers end at last.
func expectOperations(address string, last int, names ...string) statecheck.StateCheck {
	return logCheck{address: address, verify: func(log map[string]operationRecord) error {
		keys := slices.Sorted(maps.Keys(log))
		got := make([]string, 0, len(keys))
		for _, k := range keys {
			got = append(got, log[k].name)
		}
		if !slices.Equal(got, names) {
			return fmt.Errorf("operations %v (%v), want %v", got, keys, names)
		}
		if want := operationKey(last); len(keys) > 0 && keys[len(keys)-1] != want {
			return fmt.Errorf("the last operation is %s, want %s", keys[len(keys)-1], want)
		}
		return nil
	}}
}

// expectStep checks one step of an operation: op is its number, 0 for the
// last one; the step at index is named step and ended ok, and its message
// matches message (any when empty).
func expectStep(address string, op, index int, step, message string) statecheck.StateCheck {
	pattern := regexp.MustCompile("^" + regexp.QuoteMeta(step) + `: ok in \d+ ms(: (.*))?$`)
	return logCheck{address: address, verify: func(log map[string]operationRecord) error {
		key := operationKey(op)
		if op == 0 {
			keys := slices.Sorted(maps.Keys(log))
			if len(keys) == 0 {
				return fmt.Errorf("no operation in the log")
			}
			key = keys[len(keys)-1]
		}
		rec, ok := log[key]
		if !ok || index >= len(rec.steps) {
			return fmt.Errorf("operation %s has no step %d: %v", key, index, rec.steps)
		}
		m := pattern.FindStringSubmatch(rec.steps[index])
		if m == nil || message != "" && m[2] != message {
			return fmt.Errorf("operation %s step %d is %q, want %s ok with message %q", key, index, rec.steps[index], step, message)
		}
		return nil
	}}
}

// expectStepRan checks that an operation (0: the last one) ran a step
// named step, which ended ok, wherever it is among its steps.
func expectStepRan(address string, op int, step string) statecheck.StateCheck {
	return expectStepMatching(address, op, "^"+regexp.QuoteMeta(step)+`: ok in \d+ ms(: .*)?$`)
}

// expectStepMatching checks that a step line of an operation (0: the last
// one) matches pattern.
func expectStepMatching(address string, op int, expr string) statecheck.StateCheck {
	pattern := regexp.MustCompile(expr)
	return logCheck{address: address, verify: func(log map[string]operationRecord) error {
		key := operationKey(op)
		if op == 0 {
			keys := slices.Sorted(maps.Keys(log))
			if len(keys) == 0 {
				return fmt.Errorf("no operation in the log")
			}
			key = keys[len(keys)-1]
		}
		for _, s := range log[key].steps {
			if pattern.MatchString(s) {
				return nil
			}
		}
		return fmt.Errorf("no step of operation %s matches %s: %q", key, expr, log[key].steps)
	}}
}

// expectOperationStatus checks how an operation ended: ok or failed.
func expectOperationStatus(address string, op int, status string) statecheck.StateCheck {
	return logCheck{address: address, verify: func(log map[string]operationRecord) error {
		if got := log[operationKey(op)].status; got != status {
			return fmt.Errorf("operation %s ended %q, want %q", operationKey(op), got, status)
		}
		return nil
	}}
}

// operationRecord is one operation read from the state.
type operationRecord struct {
	name, status string
	steps        []string
}

// logCheck reads an application's deployment_log from the state.
type logCheck struct {
	address string
	verify  func(map[string]operationRecord) error
}

func (c logCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != c.address {
			continue
		}
		raw, ok := r.AttributeValues["deployment_log"].(map[string]any)
		if !ok {
			resp.Error = fmt.Errorf("%s.deployment_log is %T, not a map", c.address, r.AttributeValues["deployment_log"])
			return
		}
		log := map[string]operationRecord{}
		for k, v := range raw {
			o, _ := v.(map[string]any)
			rec := operationRecord{name: fmt.Sprint(o["operation"]), status: fmt.Sprint(o["status"])}
			steps, _ := o["steps"].([]any)
			for _, s := range steps {
				rec.steps = append(rec.steps, fmt.Sprint(s))
			}
			log[k] = rec
		}
		if err := c.verify(log); err != nil {
			resp.Error = fmt.Errorf("%s.deployment_log: %w", c.address, err)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the state (%s)", c.address, strings.Join(addresses(req), ", "))
}

func addresses(req statecheck.CheckStateRequest) []string {
	var out []string
	for _, r := range req.State.Values.RootModule.Resources {
		out = append(out, r.Address)
	}
	return out
}
