package provider

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// TestAccApplicationSecretEnvironment: environment and secret_environment
// are one environment to the app. The plan marks secret_environment
// sensitive and environment not (its values show); the compose file in the
// container holds the values of both. Moving a key from one map to the
// other with its value runs nothing (deployment_log stays, the plan after is
// empty); a new secret value redeploys. An import reads the password back
// into secret_environment and TZ into environment. A key in both maps is an
// error at plan naming the key and both attributes.
func TestAccApplicationSecretEnvironment(t *testing.T) {
	e := newSimEnv(t, "")
	// terraform import runs in a working directory of its own: it needs the
	// provider's source spelled out.
	block := rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
` + e.appProvider())
	notify := application("notify", "gotify", "notify").str("node", "pve1")
	split := notify.set("environment", `{ TZ = "Europe/Paris" }`).set("secret_environment", `{ GOTIFY_DEFAULTUSER_PASS = "s3cret-one" }`)
	moved := notify.set("secret_environment", `{ TZ = "Europe/Paris", GOTIFY_DEFAULTUSER_PASS = "s3cret-one" }`)
	changed := split.set("secret_environment", `{ GOTIFY_DEFAULTUSER_PASS = "s3cret-two" }`)
	both := changed.set("secret_environment", `{ TZ = "UTC", GOTIFY_DEFAULTUSER_PASS = "s3cret-two" }`)
	compose := "cat /opt/proximity/gotify/compose.yaml"
	log := statecheck.CompareValue(compare.ValuesSame())
	newLog := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				// Refused at plan, before anything is created.
				Config:      config(block, both),
				PlanOnly:    true,
				ExpectError: errorLike(`TZ is set in both environment and secret_environment`),
			},
			{
				Config: config(block, split),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectSensitiveValue(split.address(), tfjsonpath.New("secret_environment")),
						expectShownValue(split.address(), "environment", "TZ", "Europe/Paris"),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectInContainer(e, 100, compose, containing("TZ: Europe/Paris")),
					expectInContainer(e, 100, compose, containing("GOTIFY_DEFAULTUSER_PASS: s3cret-one")),
					statecheck.ExpectKnownValue(split.address(), tfjsonpath.New("generated_secrets"), knownvalue.Null()),
					log.AddStateValue(split.address(), tfjsonpath.New("deployment_log")),
					newLog.AddStateValue(split.address(), tfjsonpath.New("deployment_log")),
				},
			},
			{
				Config: config(block, moved),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(moved.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					log.AddStateValue(moved.address(), tfjsonpath.New("deployment_log")), // no operation: nothing ran
					expectInContainer(e, 100, compose, containing("TZ: Europe/Paris")),
				},
			},
			{
				Config:           config(block, changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					newLog.AddStateValue(changed.address(), tfjsonpath.New("deployment_log")), // the redeploy's operation
					expectInContainer(e, 100, compose, containing("GOTIFY_DEFAULTUSER_PASS: s3cret-two")),
					expectInContainer(e, 100, compose, lacking("s3cret-one")),
				},
			},
			{
				Config: config(block, changed), ResourceName: changed.address(), ImportState: true, ImportStateId: "pve1/100",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"password", "deployment_log", "template", "timeouts"},
			},
		},
	})
}

// expectShownValue checks that a plan shows one value of a map attribute:
// it is in the planned values and not marked sensitive, which is what
// `terraform show -json` and the plan's text print in the clear.
type shownValue struct{ address, attribute, key, value string }

func expectShownValue(address, attribute, key, value string) plancheck.PlanCheck {
	return shownValue{address, attribute, key, value}
}

func (c shownValue) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		after, _ := rc.Change.After.(map[string]any)
		values, _ := after[c.attribute].(map[string]any)
		if values[c.key] != c.value {
			resp.Error = fmt.Errorf("%s: planned %s = %v, want %s = %q", c.address, c.attribute, after[c.attribute], c.key, c.value)
			return
		}
		// after_sensitive is true for a sensitive attribute, else an
		// object marking its sensitive elements.
		sensitive, _ := rc.Change.AfterSensitive.(map[string]any)
		elements, _ := sensitive[c.attribute].(map[string]any)
		if sensitive[c.attribute] == true || elements[c.key] == true {
			resp.Error = fmt.Errorf("%s: %s is marked sensitive in the plan (%v): its values do not show", c.address, c.attribute, sensitive[c.attribute])
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no change for %s", c.address)
}

// TestAccApplicationEnvironmentUpgrade: states written by the builds
// before secret_environment (environment sensitive as a whole, served here
// by previousBuild), one app with an environment and one without. Terraform
// records in the state which attributes were sensitive and plans an update
// when that changes (its plan says the value "will no longer be marked as
// sensitive"), whatever the provider answers: so the first plan with this
// build is an update of each app that changes no value, its apply runs no
// step and writes nothing on the cluster (deployment_log stays), and the
// plan after it is empty.
func TestAccApplicationEnvironmentUpgrade(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	set := application("set", "gotify", "notify").str("node", "pve1").
		set("environment", `{ TZ = "Europe/Paris", GOTIFY_DEFAULTUSER_PASS = "s3cret" }`)
	unset := application("unset", "nginx", "web").str("node", "pve1")
	cfg := config(block, set, unset)
	setLog, unsetLog := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
	logs := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			setLog.AddStateValue(set.address(), tfjsonpath.New("deployment_log")),
			unsetLog.AddStateValue(unset.address(), tfjsonpath.New("deployment_log")),
		}
	}
	resource.Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: previousBuild,
				Config:                   cfg,
				ConfigStateChecks:        logs(),
			},
			{
				ProtoV6ProviderFactories: providerFactories,
				PreConfig:                e.sim.ResetStats,
				Config:                   cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(set.address(), plancheck.ResourceActionUpdate),
						expectOnlyMarksChange(set.address()), expectOnlyMarksChange(unset.address()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(logs(), applyWroteNothing{e}),
			},
		},
	})
}

// onlyMarksChange checks that a planned change of a resource changes no
// value: every attribute is planned as it is, none unknown.
type onlyMarksChange struct{ address string }

func expectOnlyMarksChange(address string) plancheck.PlanCheck { return onlyMarksChange{address} }

func (c onlyMarksChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		for name, v := range after {
			if !reflect.DeepEqual(before[name], v) {
				resp.Error = fmt.Errorf("%s: the plan changes %s", c.address, name)
				return
			}
		}
		if unknown, _ := rc.Change.AfterUnknown.(map[string]any); len(unknown) != 0 {
			resp.Error = fmt.Errorf("%s: the plan leaves %v unknown", c.address, unknown)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no change for %s", c.address)
}

// applyWroteNothing holds when the simulator recorded no write since its
// statistics were last reset.
type applyWroteNothing struct{ e *testEnv }

func (w applyWroteNothing) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if writes := w.e.sim.Stats().Writes; len(writes) != 0 {
		resp.Error = fmt.Errorf("the apply wrote %v", writes)
	}
}

// previousBuild serves the provider as the builds before secret_environment
// did, as far as a state can tell: environment sensitive as a whole.
var previousBuild = map[string]func() (tfprotov6.ProviderServer, error){
	"proximity": providerserver.NewProtocol6WithError(previousProvider{&proximityProvider{version: "test"}}),
}

type previousProvider struct{ *proximityProvider }

func (p previousProvider) Resources(ctx context.Context) []func() fwresource.Resource {
	out := p.proximityProvider.Resources(ctx)
	for i, f := range out {
		if _, ok := f().(*applicationResource); ok {
			out[i] = func() fwresource.Resource { return previousApplication{&applicationResource{}} }
		}
	}
	return out
}

var _ provider.Provider = previousProvider{}

type previousApplication struct{ *applicationResource }

func (r previousApplication) Schema(ctx context.Context, req fwresource.SchemaRequest, resp *fwresource.SchemaResponse) {
	r.applicationResource.Schema(ctx, req, resp)
	env, ok := resp.Schema.Attributes["environment"].(schema.MapAttribute)
	if !ok {
		resp.Diagnostics.AddError("environment is no map attribute", "the schema changed: update previousApplication")
		return
	}
	env.Sensitive = true
	resp.Schema.Attributes["environment"] = env
}

// TestPlanExposedSecrets: a catalog secret and a credential-looking key in
// environment draw a warning on that key that says to move it; an ordinary
// setting and secret_environment draw none. No warning holds a value.
func TestPlanExposedSecrets(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	app, _ := c.Get("gitea")
	env, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"DB_PASSWORD": "v-one", "MAILER_TOKEN": "v-two", "TZ": "v-three"})
	secret, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"ADMIN_PASSWORD": "v-four"})
	var diags diag.Diagnostics
	planExposedSecrets(ctx, applicationModel{Environment: env, SecretEnvironment: secret}, app, &diags)
	if diags.WarningsCount() != 2 || diags.HasError() {
		t.Fatalf("diagnostics %v, want two warnings", diags)
	}
	for i, key := range []string{"DB_PASSWORD", "MAILER_TOKEN"} {
		d := diags.Warnings()[i]
		withPath, _ := d.(diag.DiagnosticWithPath)
		if withPath == nil || fmt.Sprint(withPath.Path()) != `environment["`+key+`"]` {
			t.Errorf("warning %d: %v, want one on environment[%q]", i, d, key)
		}
		for _, v := range []string{"v-one", "v-two", "v-three", "v-four"} {
			if strings.Contains(d.Summary()+d.Detail(), v) {
				t.Errorf("warning %d holds the value %s: %s", i, v, d.Detail())
			}
		}
	}
}

// TestRedactSecrets: a diagnostic that quotes a value of secret_environment
// or generated_secrets shows "(sensitive value)" in its place and keeps its
// severity and attribute; one without a secret is left as it is; a value
// of under four characters is no secret to mask.
func TestRedactSecrets(t *testing.T) {
	ctx := context.Background()
	secret, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"ADMIN_PASSWORD": "hunter2-long", "SHORT": "no"})
	generated, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"DB_PASSWORD": "0123abcd"})
	m := applicationModel{SecretEnvironment: secret, GeneratedSecrets: generated}
	var diags diag.Diagnostics
	diags.AddError("Unable to update the application", "compose up exited 1: bad password hunter2-long for 0123abcd: no")
	diags.AddAttributeWarning(path.Root("environment"), "Unrelated", "nothing secret here")
	redactSecrets(&diags, m.secretValues(ctx))
	if got := diags[0].Detail(); got != "compose up exited 1: bad password (sensitive value) for (sensitive value): no" ||
		diags[0].Severity() != diag.SeverityError {
		t.Errorf("error after redaction: %s %q", diags[0].Severity(), got)
	}
	if withPath, _ := diags[1].(diag.DiagnosticWithPath); withPath == nil || !withPath.Path().Equal(path.Root("environment")) ||
		diags[1].Detail() != "nothing secret here" {
		t.Errorf("the warning changed: %v", diags[1])
	}
}

// TestPlanUnusedSecretEnvironment: a key of secret_environment the app does
// not use draws the same warning as one of environment, on that key of
// secret_environment, naming the key and never its value.
func TestPlanUnusedSecretEnvironment(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	app, _ := c.Get("gitea")
	secret, _ := types.MapValueFrom(ctx, types.StringType, map[string]string{"DB_PASSWROD": "v-secret", "DB_PASSWORD": "v-other"})
	var diags diag.Diagnostics
	planUnusedEnvironment(ctx, applicationModel{SecretEnvironment: secret, StrictEnvironment: types.BoolNull()}, app, &diags)
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("diagnostics %v, want one warning", diags)
	}
	d := diags.Warnings()[0]
	withPath, _ := d.(diag.DiagnosticWithPath)
	if withPath == nil || !withPath.Path().Equal(path.Root("secret_environment").AtMapKey("DB_PASSWROD")) ||
		!strings.Contains(d.Detail(), "(did you mean DB_PASSWORD?)") || strings.Contains(d.Detail(), "v-secret") {
		t.Errorf("warning %v", d)
	}
}
