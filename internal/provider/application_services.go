package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// statusDegraded is the status a read gives a running container whose
// services are not all running; it is not a value users set (the
// validator keeps running and stopped), so the plan shows it as drift
// toward running, which the apply repairs.
const statusDegraded = "degraded"

// statusDescription describes status: the values users set, and degraded.
func statusDescription() string {
	return fmt.Sprintf("%s (default `%s`). Changes in place. A refresh reads `%s` when the container runs but "+
		"some service of its app does not, or runs unhealthy by its Docker healthcheck (see `services`): the plan shows that as drift, "+
		"and the apply brings the services back (compose up, a restart of the unhealthy ones, then the same check as a create). "+
		"`%s` is read only, never set.",
		oneOfMarkdown(applicationStatuses), defaultStatus, statusDegraded, statusDegraded)
}

// serviceAttributes are the fields of one element of services.
var serviceAttributes = map[string]schema.Attribute{
	"name": schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The service's name in the app's compose file.",
	},
	"state": schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "Its container's state as docker reports it (`running`, `restarting`, `exited`, `created`, `paused`, `dead`), " +
			"`" + deploy.ServiceMissing + "` when compose has no container for it (after `docker compose down`), or `" + deploy.ServiceUnknown +
			"` when docker in the container did not answer (the refresh warns with its message).",
	},
	"image": schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The image its container runs; null when it is missing.",
	},
	"health": schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "Its Docker healthcheck's verdict while it runs: `" + deploy.HealthHealthy + "`, `" + deploy.HealthUnhealthy +
			"` (the container runs but does not serve: `status` reads `" + statusDegraded + "`, and the apply restarts it) or `" +
			deploy.HealthStarting + "` (its first probes have not passed yet; not degraded). Null when its image and compose file define " +
			"no healthcheck, or it does not run.",
	},
}

var serviceType = types.ObjectType{AttrTypes: attrTypes(serviceAttributes)}

// servicesAttribute is the schema of services.
func servicesAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true,
		MarkdownDescription: "The app's compose services as the last read found them, main service first: each with its state and image. " +
			"A refresh reads them with `docker ps` inside each running container, in one SSH session per node for all the " +
			"applications it refreshes there. Null while the container is stopped, when the provider has no `ssh` block " +
			"(the services are then unknown to the provider, and `status` never reads `degraded`), or when the catalog no longer has the app.",
		NestedObject: schema.NestedAttributeObject{Attributes: serviceAttributes},
	}
}

// setServices records the services a read found, and a running container
// whose services are not all running as degraded.
func (m *applicationModel) setServices(ctx context.Context, o deploy.Observed, diags *diag.Diagnostics) {
	if o.Degraded() {
		m.Status = types.StringValue(statusDegraded)
	}
	m.Services = servicesValue(o.Services, o.ServicesKnown, diags)
	m.setHealth(ctx, o, diags) // health, health_check (application_health.go)
}

// servicesValue is the services attribute: null when they were not read.
func servicesValue(services []deploy.ServiceState, known bool, diags *diag.Diagnostics) types.List {
	if !known {
		return types.ListNull(serviceType)
	}
	elems := make([]attr.Value, 0, len(services))
	for _, s := range services {
		obj, d := types.ObjectValue(serviceType.AttrTypes, map[string]attr.Value{
			"name": types.StringValue(s.Name), "state": types.StringValue(s.State), "image": stringOrNull(s.Image),
			"health": stringOrNull(s.Health),
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	list, d := types.ListValue(serviceType, elems)
	diags.Append(d...)
	return list
}

// readServicesAfter reads the services of an app an apply created or
// changed, when the plan left them unknown; a failed read leaves them null
// for the next refresh, with a warning.
func (r *applicationResource) readServicesAfter(ctx context.Context, m *applicationModel, diags *diag.Diagnostics) {
	servicesUnknown, healthUnknown := m.Services.IsUnknown(), m.Health.IsUnknown()
	if !servicesUnknown && !healthUnknown {
		return
	}
	if servicesUnknown {
		m.Services = types.ListNull(serviceType)
	}
	if healthUnknown {
		m.Health = types.StringNull()
	}
	if m.Status.ValueString() != statusRunning {
		return
	}
	node, vmid := m.Node.ValueString(), int(m.VMID.ValueInt64())
	services, health, known, err := r.data.apps.ReadAppServicesHealth(ctx, node, vmid, m.CatalogID.ValueString())
	if err != nil {
		diags.AddWarning("Services not read", fmt.Sprintf("reading the services of %s after the apply: %v; the next refresh reads them",
			m.ID.ValueString(), err))
		return
	}
	if servicesUnknown {
		m.Services = servicesValue(services, known, diags)
	}
	if healthUnknown && known {
		m.setHealthAfter(health) // the check the apply ran, run again (application_health.go)
	}
}
