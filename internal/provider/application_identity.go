package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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

// recorded is what the state records of the application, for deploy to
// compare a container with.
func recorded(state applicationModel, identity string) deploy.Recorded {
	return deploy.Recorded{
		Identity: identity, CatalogID: state.CatalogID.ValueString(), Hostname: state.Hostname.ValueString(),
		PublicPort: int(state.PublicPort.ValueInt64()), InternalPort: int(state.InternalPort.ValueInt64()),
	}
}

// belongs reports whether an observed container is the application the
// state records, by deploy's rule (Owns). A failed proof is a "no": an
// update then touches nothing. A destroy calls owns instead, and fails on
// a failed proof.
func (r *applicationResource) belongs(ctx context.Context, o deploy.Observed, identity string, state applicationModel) bool {
	owned, err := r.owns(ctx, o, identity, state)
	if err != nil {
		tflog.Warn(ctx, "the container could not be proven to be the application", map[string]any{"vmid": state.VMID.ValueInt64(), "error": err.Error()})
	}
	return err == nil && owned
}

// owns is deploy's Owns for the container the state records: false for a
// container gone or proven not the app, an error when it could not be
// checked (its identity file could not be read).
func (r *applicationResource) owns(ctx context.Context, o deploy.Observed, identity string, state applicationModel) (bool, error) {
	return r.data.apps.Owns(ctx, state.Node.ValueString(), int(state.VMID.ValueInt64()), o, recorded(state, identity))
}

// notOursWarning is the warning of a container that is no longer the app.
func notOursWarning(diags *diag.Diagnostics, state applicationModel, o deploy.Observed) {
	if o.Identity == "" && o.Hostname == state.Hostname.ValueString() {
		// Its px-id- tag was removed and the identity file could not
		// stand in: a look-alike, or the app stopped or from before the file.
		diags.AddWarning("The container cannot be proven to be this application",
			fmt.Sprintf("CT %d on %s has the app's hostname but no %s tag, and %s in it (readable only while it runs) does not "+
				"hold this application's identity. It is left alone. If it is the app, start it or put its %s tag back, then refresh; "+
				"otherwise the next apply creates the application anew, which is refused while that container holds the hostname.",
				state.VMID.ValueInt64(), state.Node.ValueString(), deploy.TagID, deploy.IdentityFile, deploy.TagID))
		return
	}
	diags.AddWarning("The container is no longer this application",
		fmt.Sprintf("CT %d on %s is now %q (app %q, identity %q), not the application this state recorded: the app's container was deleted "+
			"and PVE gave its VMID to another guest. That guest is left alone; the next apply creates the application anew and releases its ports.",
			state.VMID.ValueInt64(), state.Node.ValueString(), o.Hostname, o.CatalogID, o.Identity))
}
