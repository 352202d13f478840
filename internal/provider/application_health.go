package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// applicationHealth are an application's HTTP health check (health_check)
// and its last result (health). deploy runs the check inside the app's
// container, in the services read of its node (health_check.go there).
type applicationHealth struct {
	HealthCheck types.Object `tfsdk:"health_check"`
	Health      types.String `tfsdk:"health"`
}

// healthCheckModel is health_check's object.
type healthCheckModel struct {
	Path types.String `tfsdk:"path"`
}

var healthCheckAttrTypes = map[string]attr.Type{"path": types.StringType}

// addHealthAttributes adds health_check and health to the schema.
func addHealthAttributes(attrs map[string]schema.Attribute) {
	attrs["health_check"] = schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "An HTTP check of the app: a GET of `path` on its main port, from inside its container " +
			"(`http://127.0.0.1:<main port><path>`, with the container's `wget`), must answer 2xx or 3xx (redirects are followed). " +
			"A create runs it after the services check (step `health check`, waiting up to 2 minutes for the app to answer); " +
			"every refresh runs it in the same SSH session per node as the services read, and a failing check reads `status` = `" +
			statusDegraded + "` with the answer in `health`, so the plan shows it; the apply then brings the services back and " +
			"checks again, and fails naming the path and the answer if it still fails. Without an `ssh` block the check is not " +
			"run (unknown to the provider, as `services` are). The path is recorded in the container " +
			"(`/opt/proximity/<app>/health-path`), so an import reads it back. Changes in place.",
		Attributes: map[string]schema.Attribute{
			"path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The path to GET, with its query if any: it starts with `/` and holds only what a URL path " +
					"may hold as is (percent-encode the rest). Default: the catalog entry's `healthPath` " +
					"(`/status.php` for Nextcloud), else `/`.",
				Validators: []validator.String{healthPathValidator{}},
			},
		},
	}
	attrs["health"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "The last run of `health_check`: the request and the app's final answer " +
			"(`GET /status.php: HTTP/1.1 200 OK`), or what failed (`GET /x: HTTP/1.1 404 Not Found`, " +
			"`GET /: can't connect to remote host (127.0.0.1): Connection refused`, `GET /: download timed out`). " +
			"Null without `health_check`, while the container is stopped, or without an `ssh` block.",
	}
}

// healthPath is the configured health_check: whether there is one, and
// its path ("" for the catalog's).
func (h applicationHealth) healthPath(ctx context.Context, diags *diag.Diagnostics) (bool, string) {
	if h.HealthCheck.IsNull() || h.HealthCheck.IsUnknown() {
		return false, ""
	}
	var hc healthCheckModel
	diags.Append(h.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{})...)
	return true, hc.Path.ValueString()
}

// specHealthPath is the path a create records ("" for no check).
func (r *applicationResource) specHealthPath(ctx context.Context, m applicationModel, diags *diag.Diagnostics) string {
	on, path := m.healthPath(ctx, diags)
	entry, ok := r.data.apps.Catalog.Get(m.CatalogID.ValueString())
	if !on || !ok {
		return ""
	}
	return deploy.HealthPathFor(entry, path)
}

// healthChange sets c.HealthPath when the configured check differs from
// the state's, or when a stopped container starts (a change made while it
// was stopped could not be written in it). A container that stays stopped
// records nothing now: the start does.
func (r *applicationResource) healthChange(ctx context.Context, plan, state applicationModel, c *deploy.Change, diags *diag.Diagnostics) {
	running := plan.Status.ValueString() != statusStopped
	starts := running && state.Status.ValueString() == statusStopped
	if !running || plan.HealthCheck.Equal(state.HealthCheck) && !starts {
		return
	}
	path := r.specHealthPath(ctx, plan, diags)
	if starts && path == "" && state.HealthCheck.IsNull() {
		return
	}
	c.HealthPath = &path
}

// setHealth records what a read found of the health check: health, and
// health_check as the container holds it. A path equal to the catalog's
// keeps health_check's path null when it was (or on import).
func (h *applicationHealth) setHealth(ctx context.Context, o deploy.Observed, diags *diag.Diagnostics) {
	if !o.Running || !o.ServicesKnown {
		h.Health = types.StringNull()
		return // not read: health_check stays as the state has it
	}
	if o.Health == nil {
		h.Health, h.HealthCheck = types.StringNull(), types.ObjectNull(healthCheckAttrTypes)
		return
	}
	h.Health = types.StringValue(o.Health.String())
	on, path := h.healthPath(ctx, diags)
	if on && (path == o.Health.Path || path == "" && o.Health.Default) {
		return
	}
	p := types.StringValue(o.Health.Path)
	if o.Health.Default && !on {
		p = types.StringNull()
	}
	obj, d := types.ObjectValue(healthCheckAttrTypes, map[string]attr.Value{"path": p})
	diags.Append(d...)
	h.HealthCheck = obj
}

// setHealthAfter records a health check an apply ran (nil: none).
func (h *applicationHealth) setHealthAfter(health *deploy.HealthResult) {
	if health == nil {
		h.Health = types.StringNull()
		return
	}
	h.Health = types.StringValue(health.String())
}

// healthRemedy puts a health check that still fails after an apply on
// health_check; the error names the path, the answer and what to do.
func healthRemedy(err error) (remedy, bool) {
	var health *deploy.HealthError
	if !errors.As(err, &health) {
		return remedy{}, false
	}
	return remedy{path.Root("health_check"), false, ""}, true
}

// healthPathValidator checks health_check.path at plan time with deploy's rule.
type healthPathValidator struct{}

func (healthPathValidator) Description(context.Context) string {
	return "starts with / and holds only URL path characters"
}

func (v healthPathValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (healthPathValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := deploy.CheckHealthPath(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check path", "health_check.path "+err.Error()+".")
	}
}
