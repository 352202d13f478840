package deploy

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// A secret the configuration does not set keeps the value the app already
// runs with: its data (a database, most often) was initialised with it, so
// a new value, or the catalog's placeholder, would lock the app out of it.
// These are the two paths that write a compose file over one the app may
// have run with, besides a restore (restoredEnvironment).

// updatedSecrets is the value of each secret the configuration does not
// set for a redeploy: the state's (kept), else the one the app runs with,
// else a new one; never the catalog's placeholder, even for an app whose
// state records none (deployed before secrets were generated, or whose
// configuration set them all until now).
func updatedSecrets(entry *catalog.App, configured, kept, running map[string]string) map[string]string {
	known := runningSecrets(entry, running, configured)
	if known == nil {
		known = map[string]string{}
	}
	maps.Copy(known, kept)
	return GeneratedSecrets(entry, configured, known)
}

// resumedSecrets re-renders the compose file of a create that takes over a
// container a stopped run left (or an imported one): the secrets its
// compose file already holds stay, since compose up may have initialised
// the app's data with them; the others are the create's. It returns the
// app with the values it now runs with.
func (d *Service) resumedSecrets(ctx context.Context, spec Spec, entry *catalog.App, compose []byte, app App) ([]byte, App, error) {
	running, err := d.runningEnvironment(ctx, entry, app.Node, app.VMID)
	if err != nil || running == nil {
		return compose, app, err
	}
	secrets := updatedSecrets(entry, spec.Environment, nil, running)
	for k, v := range app.GeneratedSecrets {
		if _, held := running[k]; !held && secrets != nil {
			secrets[k] = v // a secret the file lacks keeps the create's value
		}
	}
	rendered, err := RenderCompose(ctx, entry, withSecrets(spec.Environment, secrets))
	if err != nil {
		return compose, app, err
	}
	app.GeneratedSecrets = secrets
	return rendered, app, nil
}

// hideGenerated masks the secrets a create generated in every log line
// written with the returned context: a step's message may quote the app's
// own output. The provider masks the configured ones before it calls.
func hideGenerated(ctx context.Context, secrets map[string]string) context.Context {
	values := make([]string, 0, len(secrets))
	for _, v := range secrets {
		values = append(values, v)
	}
	if len(values) == 0 {
		return ctx
	}
	return tflog.MaskMessageStrings(tflog.MaskAllFieldValuesStrings(ctx, values...), values...)
}
