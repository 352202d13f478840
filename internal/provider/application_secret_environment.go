package provider

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// An application's environment comes in two maps: environment, which plans
// show so that ordinary settings can be reviewed, and secret_environment,
// which they hide. deploy joins them (deploy.JoinEnvironment) before
// anything reads them; this file maps the two attributes onto that.

// addSecretEnvironmentAttribute adds secret_environment to the
// application's schema.
func addSecretEnvironmentAttribute(attributes map[string]schema.Attribute) {
	attributes["secret_environment"] = schema.MapAttribute{
		Optional:    true,
		Sensitive:   true,
		ElementType: types.StringType,
		MarkdownDescription: "Environment values that must never show: passwords, tokens, keys. The app gets them exactly as it gets " +
			"`environment` (the two are one environment to it: the same services, the same redeploy when a value changes, the same " +
			"restore), but plans hide them. A key cannot be in both maps (an error at plan). Moving a key from one map to the other with " +
			"the same value changes nothing in the container. An import reads back the keys that look secret (see `environment`) into " +
			"this map.",
		Validators: []validator.Map{
			mapvalidator.KeysAre(environmentNameValidator()),
			notInEnvironment{},
		},
	}
}

// environment is the application's whole environment: both maps joined.
func (m applicationModel) environment(ctx context.Context, diags *diag.Diagnostics) map[string]string {
	return deploy.JoinEnvironment(stringMap(ctx, m.Environment, diags), stringMap(ctx, m.SecretEnvironment, diags))
}

// environmentUnknown reports whether either map is not known yet.
func (m applicationModel) environmentUnknown() bool {
	return m.Environment.IsUnknown() || m.SecretEnvironment.IsUnknown()
}

// environmentChanges reports whether the app's environment differs from
// the state's: a value changed, a key added or removed. A key that only
// moves between the two maps is no change for the app.
func (m applicationModel) environmentChanges(ctx context.Context, state applicationModel, diags *diag.Diagnostics) bool {
	return !maps.Equal(m.environment(ctx, diags), state.environment(ctx, diags))
}

// planExposedSecrets warns, at plan, about each key of environment that
// looks secret (deploy.ExposedSecrets): its value shows in every plan. A
// warning, not an error: Terraform does not tell a provider whether a value
// came from a sensitive variable, and a name can mislead.
func planExposedSecrets(ctx context.Context, plan applicationModel, entry *catalog.App, diags *diag.Diagnostics) {
	if plan.Environment.IsUnknown() {
		return
	}
	for _, key := range deploy.ExposedSecrets(entry, stringMap(ctx, plan.Environment, diags)) {
		why := "its name says it holds a credential"
		if entry.IsSecret(key) {
			why = fmt.Sprintf("the catalog entry of %s declares it a secret", entry.ID)
		}
		diags.AddAttributeWarning(path.Root("environment").AtMapKey(key), "Secret in environment",
			fmt.Sprintf("%s is set in environment, whose values every plan shows, and %s. Move it to secret_environment, which plans "+
				"hide; the move alone changes nothing in the container.", key, why))
	}
}

// notInEnvironment rejects a key of secret_environment that environment
// sets too: the app would get one of two values. The error names the key
// and both attributes, never a value.
type notInEnvironment struct{}

func (notInEnvironment) Description(context.Context) string {
	return "no key that environment sets too"
}

func (v notInEnvironment) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notInEnvironment) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var env types.Map
	if resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("environment"), &env)...); resp.Diagnostics.HasError() || env.IsUnknown() {
		return
	}
	for _, key := range deploy.DuplicateKeys(keysOf(env), keysOf(req.ConfigValue)) {
		resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(key), "Key in both environment and secret_environment",
			fmt.Sprintf("%s is set in both environment and secret_environment; the app gets one value for it. Keep it in "+
				"secret_environment if its value must not show in plans, else in environment, and remove it from the other.", key))
	}
}

// keysOf is a map attribute's keys, without their values, which the
// duplicate check has no need to read.
func keysOf(m types.Map) map[string]string {
	out := map[string]string{}
	for k := range m.Elements() {
		out[k] = ""
	}
	return out
}

// secretValues are the values no log line and no diagnostic may show: those
// of secret_environment and generated_secrets. A value shorter than four
// characters is left out: masking "1" or "no" everywhere would garble every
// message, and no such value is a secret worth the name.
func (m applicationModel) secretValues(ctx context.Context) []string {
	var diags diag.Diagnostics // a map that cannot be read has no value to hide
	var out []string
	for _, v := range deploy.JoinEnvironment(stringMap(ctx, m.SecretEnvironment, &diags), stringMap(ctx, m.GeneratedSecrets, &diags)) {
		if len(v) >= 4 {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) }) // the longest first: one may hold another
	return out
}

// hideSecrets masks the secret values in every log line written with the
// returned context, ours and the layers' below.
func hideSecrets(ctx context.Context, values []string) context.Context {
	if len(values) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, values...)
	return tflog.MaskMessageStrings(ctx, values...)
}

// redactSecrets replaces the secret values in the summary and detail of
// every diagnostic: an error may quote a command's output, and a command may
// have printed a value.
func redactSecrets(diags *diag.Diagnostics, values []string) {
	if len(values) == 0 || len(*diags) == 0 {
		return
	}
	redact := func(s string) string {
		for _, v := range values {
			s = strings.ReplaceAll(s, v, "(sensitive value)")
		}
		return s
	}
	out := make(diag.Diagnostics, 0, len(*diags))
	for _, d := range *diags {
		summary, detail := redact(d.Summary()), redact(d.Detail())
		if summary == d.Summary() && detail == d.Detail() {
			out = append(out, d)
			continue
		}
		var p path.Path
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			p = withPath.Path()
		}
		switch {
		case d.Severity() == diag.SeverityError && p.Equal(path.Empty()):
			out.AddError(summary, detail)
		case d.Severity() == diag.SeverityError:
			out.AddAttributeError(p, summary, detail)
		case p.Equal(path.Empty()):
			out.AddWarning(summary, detail)
		default:
			out.AddAttributeWarning(p, summary, detail)
		}
	}
	*diags = out
}

// redactSteps replaces the secret values in the messages of steps before
// they go into deployment_log, which is not sensitive and shows in plans:
// a failed services check quotes the app's own logs, and an app may print
// its settings when it fails.
func redactSteps(steps []deploy.Step, values []string) []deploy.Step {
	if len(values) == 0 {
		return steps
	}
	out := make([]deploy.Step, len(steps))
	for i, s := range steps {
		for _, v := range values {
			s.Message = strings.ReplaceAll(s.Message, v, "(sensitive value)")
		}
		out[i] = s
	}
	return out
}

// createdSecretValues are the values no part of a create's record may show:
// the configured secrets and those the create generated.
func createdSecretValues(ctx context.Context, plan applicationModel, generated map[string]string) []string {
	values := plan.secretValues(ctx)
	for _, v := range generated {
		if len(v) >= 4 {
			values = append(values, v)
		}
	}
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	return values
}
