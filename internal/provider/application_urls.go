package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// setURLs sets url, embed_url and direct_url from the app's address and
// ports (deploy.URLs owns the rule: through the cluster's gateway when
// there is one). A failed lookup of the gateway keeps what the model had,
// with a warning; an unknown value falls back to null.
func (r *applicationResource) setURLs(ctx context.Context, m *applicationModel, diags *diag.Diagnostics) {
	u, err := r.data.apps.URLs(ctx, int(m.VMID.ValueInt64()), m.CatalogID.ValueString(), m.IPAddress.ValueString(),
		int(m.PublicPort.ValueInt64()), int(m.InternalPort.ValueInt64()), m.published())
	if err != nil {
		diags.AddWarning("The application's URLs were not read",
			fmt.Sprintf("looking up the cluster's gateway for %s: %v; the next refresh reads them", m.ID.ValueString(), err))
		for _, v := range []*types.String{&m.URL, &m.EmbedURL, &m.DirectURL} {
			if v.IsUnknown() {
				*v = types.StringNull()
			}
		}
		return
	}
	m.URL, m.EmbedURL, m.DirectURL = stringOrNull(u.URL), stringOrNull(u.EmbedURL), stringOrNull(u.DirectURL)
}

// syncGateway has the cluster's gateway serve the app's current ports and
// address, after a create, an update or a delete. The app itself is done:
// a failed sync is a warning, and the gateway's next plan shows the stale
// route for its apply to fix.
func (r *applicationResource) syncGateway(ctx context.Context, what string, diags *diag.Diagnostics) {
	if r.data.nodes == nil {
		return
	}
	if _, err := r.data.apps.SyncGateway(ctx); err != nil {
		diags.AddWarning("The gateway's routes were not synced",
			fmt.Sprintf("after %s: %v. The application itself is done; the gateway's next plan shows the stale route and its apply fixes it.", what, err))
	}
}

// published is the publish attribute, true when not known.
func (m applicationModel) published() bool {
	return m.Publish.IsNull() || m.Publish.IsUnknown() || m.Publish.ValueBool()
}

// planURLs plans url, embed_url and direct_url: unknown when the update
// may change them (the address moves, publish changes), else the state's.
func planURLs(set func(name string, v attr.Value), state applicationModel, change bool) {
	for name, had := range map[string]types.String{"url": state.URL, "embed_url": state.EmbedURL, "direct_url": state.DirectURL} {
		if change {
			set(name, types.StringUnknown())
		} else {
			set(name, had)
		}
	}
}
