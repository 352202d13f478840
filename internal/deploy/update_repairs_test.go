package deploy

import (
	"errors"
	"slices"
	"testing"
)

// TestRepairOwnTags: missing tags alone make an update rewrite the tags; a
// deploying mark only rides on an update that runs steps anyway; the tags
// repaired are what PVE's tag check sees added or removed.
func TestRepairOwnTags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		repair   OwnTagRepair
		change   Change
		rewrites bool
		repaired []string
	}{
		{"nothing found", OwnTagRepair{}, Change{}, false, nil},
		{"tags missing", OwnTagRepair{Missing: []string{"px-app-nginx"}}, Change{}, true, []string{"px-app-nginx"}},
		{"a mark alone", OwnTagRepair{Deploying: true}, Change{}, false, nil},
		{"a mark with a change", OwnTagRepair{Deploying: true}, Change{Memory: 512}, true, []string{TagDeploying}},
		{"the user's tags change anyway", OwnTagRepair{Deploying: true}, Change{Tags: []string{"blue"}}, true, []string{TagDeploying}},
	} {
		c := tc.change
		if got := c.RepairOwnTags(tc.repair, []string{"blue"}); got != tc.rewrites || (c.Tags != nil) != tc.rewrites ||
			c.RunsSteps() != (tc.rewrites || tc.change.RunsSteps()) {
			t.Errorf("%s: rewrites %v, tags %v, runs steps %v", tc.name, got, c.Tags, c.RunsSteps())
		}
		if got := c.RepairedTags(tc.repair); !slices.Equal(got, tc.repaired) {
			t.Errorf("%s: repaired %v, want %v", tc.name, got, tc.repaired)
		}
	}
}

// TestKeysChange: keys change in place unless a restore sets them, and
// only for an application that runs after the update.
func TestKeysChange(t *testing.T) {
	if KeysChange("a", "a", false) != nil || KeysChange("b", "a", true) != nil {
		t.Error("unchanged or restored keys make a change")
	}
	k := KeysChange("b", "a", false)
	if k == nil || *k != (Keys{Keys: "b", Previous: "a"}) {
		t.Errorf("change %+v", k)
	}
	var stopped *StoppedKeysError
	if err := CheckKeys(k, false); !errors.As(err, &stopped) {
		t.Errorf("a stopped app's keys: %v", err)
	}
	if CheckKeys(k, true) != nil || CheckKeys(nil, false) != nil {
		t.Error("a running app's keys, or no change, refused")
	}
}
