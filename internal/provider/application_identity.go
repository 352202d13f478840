package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// identityKey is where an application's private state keeps the identity
// its create gave the container (the px-id- tag). It is private because it
// is not the user's to set; every read, update and destroy checks it, so
// that a VMID that PVE handed to someone else's guest is never taken for
// the app.
const identityKey = "identity"

type privateReader interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func readIdentity(ctx context.Context, p privateReader, diags *diag.Diagnostics) string {
	if p == nil {
		return ""
	}
	raw, d := p.GetKey(ctx, identityKey)
	diags.Append(d...)
	var id string
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &id); err != nil {
			diags.AddError("Unreadable private state", fmt.Sprintf("the application's identity in the private state does not parse: %v", err))
		}
	}
	return id
}

func writeIdentity(ctx context.Context, p privateWriter, id string, diags *diag.Diagnostics) {
	if p == nil || id == "" {
		return
	}
	raw, _ := json.Marshal(id)
	diags.Append(p.SetKey(ctx, identityKey, raw)...)
}

// belongs reports whether an observed container is the application state
// records, by the identity when the state has one, else (a state from before
// identities, or an imported container) by app, ports and hostname.
func belongs(o deploy.Observed, identity string, state applicationModel) bool {
	if identity == "" && o.Hostname != state.Hostname.ValueString() {
		return false
	}
	return o.BelongsTo(identity, state.CatalogID.ValueString(), int(state.PublicPort.ValueInt64()), int(state.InternalPort.ValueInt64()))
}

// notOursWarning is the warning of a container that is no longer the app.
func notOursWarning(diags *diag.Diagnostics, state applicationModel, o deploy.Observed) {
	diags.AddWarning("The container is no longer this application",
		fmt.Sprintf("CT %d on %s is now %q (app %q, identity %q), not the application this state recorded: the app's container was deleted "+
			"and PVE gave its VMID to another guest. That guest is left alone; the application is removed from the state and the next apply creates it anew.",
			state.VMID.ValueInt64(), state.Node.ValueString(), o.Hostname, o.CatalogID, o.Identity))
}
