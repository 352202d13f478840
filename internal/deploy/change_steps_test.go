package deploy

import (
	"context"
	"reflect"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// changeContext are the fields of Change that describe the application an
// update works on, or go with another field, and ask for nothing alone.
var changeContext = map[string]bool{
	"Environment":         true, // sent with Redeploy
	"PreviousEnvironment": true, // sent with Redeploy
	"GeneratedSecrets":    true, // sent with Redeploy
	"SSHPublicKeys":       true, // sent with RestoreFrom
	"CatalogID":           true,
	"Hostname":            true,
	"Identity":            true,
	"AllocationID":        true, // whose owner follows a rename (NewHostname)
	"RenamedFrom":         true, // sent with NewHostname (ResumeRename)
	"PublicPort":          true,
	"InternalPort":        true,
}

// TestRunsStepsCoversEveryField sets each field of Change alone: a field
// that asks for work makes RunsSteps true, a context field does not. A new
// field fails here until RunsSteps knows it (or changeContext lists it), so
// the plan never keeps deployment_log for an update that runs steps.
func TestRunsStepsCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[Change]()
	if (Change{}).RunsSteps() {
		t.Fatal("an empty Change runs steps")
	}
	for i := range typ.NumField() {
		field := typ.Field(i)
		var c Change
		setNonZero(t, reflect.ValueOf(&c).Elem().Field(i))
		if got, want := c.RunsSteps(), !changeContext[field.Name]; got != want {
			t.Errorf("Change{%s: %v}.RunsSteps() = %v, want %v: list the field in RunsSteps, or in changeContext when it asks for nothing alone",
				field.Name, reflect.ValueOf(c).Field(i), got, want)
		}
	}
}

// setNonZero gives v a value that is not its type's zero value.
func setNonZero(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.String:
		v.SetString("x")
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	default:
		t.Fatalf("setNonZero: no value for a %s", v.Type())
	}
}

// TestMovesAddress: only a start or stop, a new network or a restore may
// give the container another address.
func TestMovesAddress(t *testing.T) {
	yes, text := true, "x"
	for _, c := range []struct {
		name  string
		c     Change
		moves bool
	}{
		{"start", Change{Running: &yes}, true},
		{"network", Change{Network: &Network{IP: "dhcp"}}, true},
		{"restore", Change{RestoreFrom: "local:backup/x"}, true},
		{"migrate", Change{Relocate: &Relocation{Node: "pve2"}}, true},
		{"description", Change{Description: &text}, false},
		{"environment", Change{Redeploy: true}, false},
		{"restart", Change{Restart: true}, false},
		{"password", Change{Password: &text}, false},
		{"memory", Change{Memory: 256}, false},
	} {
		if got := c.c.MovesAddress(); got != c.moves {
			t.Errorf("%s: MovesAddress() = %v, want %v", c.name, got, c.moves)
		}
	}
}

// TestUpdateAgreesWithRunsSteps: a Change that runs no steps by RunsSteps
// makes Update do nothing at all, no request and no command (the plan kept
// deployment_log as it was); the config changes that RunsSteps counts each
// run a step.
func TestUpdateAgreesWithRunsSteps(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	if err := d.Client.CreateContainer(ctx, "pve1", 101, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:2"},
		ContainerSettings: pveclient.ContainerSettings{Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	asksNothing := Change{CatalogID: "nginx", Hostname: "web", Identity: "px-id-x", PublicPort: 8100, InternalPort: 9100,
		Environment: map[string]string{"A": "1"}, PreviousEnvironment: map[string]string{"A": "1"}}
	sim.ResetStats()
	steps, err := d.Update(ctx, "pve1", 101, asksNothing)
	if err != nil || len(steps) != 0 {
		t.Fatalf("an update that runs no steps: %v, %v", steps, err)
	}
	if stats := sim.Stats(); len(stats.Requests)+len(stats.Commands) != 0 {
		t.Errorf("an update that runs no steps sent %v and ran %v", stats.Requests, stats.Commands)
	}
	text := "front"
	for name, c := range map[string]Change{
		"memory": {Memory: 256}, "cores": {Cores: 2}, "description": {Description: &text},
		"tags": {Tags: []string{"web"}}, "network": {Network: &Network{IP: "10.0.0.5/24", Gateway: "10.0.0.1"}},
	} {
		c.CatalogID, c.Identity = "nginx", "px-id-x"
		if !c.RunsSteps() {
			t.Errorf("%s: RunsSteps() is false", name)
		}
		if steps, err := d.Update(ctx, "pve1", 101, c); err != nil || len(steps) == 0 {
			t.Errorf("%s: steps %v, error %v", name, steps, err)
		}
	}
}
