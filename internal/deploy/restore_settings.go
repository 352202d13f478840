package deploy

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A restore is not a create: PVE merges the archive's configuration into
// the new container and skips what a create does inside it
// (pve-container src/PVE/API2/LXC.pm: post_create_hook, which sets the
// password and the SSH keys, runs only without restore; LXC/Create.pm
// sanitize_and_merge_config: with unique, every netN of the archive
// replaces the one given, with a new MAC). These steps make a restored
// application the one its configuration declares.

// applyRestoredNetwork gives a container restored with unique=1 the
// application's own net0 (bridge, ip, gateway) before its first start,
// keeping the new MAC PVE gave it: the archive's net0 may hold the static
// address of the original, which may still run.
func (d *Service) applyRestoredNetwork(ctx context.Context, spec Spec, app App) (string, error) {
	cfg, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil {
		return "", err
	}
	net0, ok := cfg.Networks[0]
	if !ok {
		net0 = pveclient.ContainerNetwork{Name: "eth0"}
	}
	was := net0.IP
	net0.Bridge = cmp.Or(spec.Bridge, DefaultBridge)
	net0.IP, net0.Gateway = cmp.Or(spec.IPConfig, DefaultIPConfig), spec.Gateway
	update := pveclient.ContainerConfigUpdate{Networks: map[int]pveclient.ContainerNetwork{0: net0}}
	if err := d.Client.UpdateContainerConfig(ctx, app.Node, app.VMID, update); err != nil {
		return "", err
	}
	return fmt.Sprintf("bridge %s, ip %s (the backup had %s)", net0.Bridge, net0.IP, cmp.Or(was, "none")), nil
}

// authorizedKeysDir is root's SSH directory, as PVE's post_create_hook
// writes it (PVE::LXC::Setup::Base set_user_authorized_ssh_keys).
const authorizedKeysDir = "/root/.ssh"

// setRestoredCredentials sets the root password and SSH keys the
// configuration gives, which PVE ignores on a restore. What the
// configuration leaves unset stays as the backup had it.
func (d *Service) setRestoredCredentials(ctx context.Context, spec Spec, app App) (string, error) {
	var done []string
	if spec.Password != "" {
		if err := d.setRootPassword(ctx, app.Node, app.VMID, spec.Password); err != nil {
			return "", err
		}
		done = append(done, "root password")
	}
	if spec.SSHPublicKeys != "" {
		if err := d.inContainer(ctx, app.Node, app.VMID, "sh", "-c", "mkdir -p "+authorizedKeysDir+" && chmod 700 "+authorizedKeysDir); err != nil {
			return "", err
		}
		keys := strings.TrimRight(spec.SSHPublicKeys, "\n") + "\n"
		if err := d.pushFile(ctx, app.Node, app.VMID, authorizedKeysDir, "authorized_keys", []byte(keys)); err != nil {
			return "", err
		}
		done = append(done, authorizedKeysDir+"/authorized_keys")
	}
	if len(done) == 0 {
		return "none configured: kept from the backup", nil
	}
	return strings.Join(done, ", "), nil
}

// restoredEnvironment is the environment a restored application runs with:
// the one its backup was made with (read from the compose file in the
// container), with the configured values laid over it key by key. The
// restored data was initialised with the old values (a database password,
// most often), so a value the configuration does not set must not fall back
// to the catalog's default. It also returns the keys kept from the backup.
func (d *Service) restoredEnvironment(
	ctx context.Context, entry *catalog.App, app App, configured map[string]string,
) (map[string]string, []string, error) {
	path := "/opt/proximity/" + entry.ID + "/compose.yaml"
	// A backup of another app, or made before its compose file was
	// written, has none: the configuration alone decides. Any other
	// failure is one: the old values must not silently fall back to the
	// catalog's.
	text, err := d.output(ctx, app.Node, app.VMID, "sh", "-c", `[ -f "$1" ] || exit 0; printf '%s' "$1:"; cat "$1"`, "sh", path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the environment of the backup from %s: %w", path, err)
	}
	text, found := strings.CutPrefix(text, path+":")
	if !found {
		return configured, nil, nil
	}
	old, err := composeEnvironment(ctx, entry, []byte(text))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the environment of the backup from %s: %w", path, err)
	}
	env := make(map[string]string, len(old)+len(configured))
	var kept []string
	for k, v := range old {
		if CheckEnvironmentName(k) != "" {
			continue
		}
		if _, set := configured[k]; !set {
			kept = append(kept, k)
		}
		env[k] = v
	}
	for k, v := range configured {
		env[k] = v
	}
	sort.Strings(kept)
	return env, kept, nil
}

// composeEnvironment reads the application environment out of a compose
// file that RenderCompose wrote: every service got each variable it does
// not set itself in the catalog, so those entries are the variables. It
// loads the file as Compose does, which turns the "$$" escapes back into
// "$".
func composeEnvironment(ctx context.Context, entry *catalog.App, text []byte) (map[string]string, error) {
	own, err := entry.Project(ctx, entry.Environment)
	if err != nil {
		return nil, err
	}
	project, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  "/opt/proximity/" + entry.ID,
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: text}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName(entry.ID, true)
		o.SkipResolveEnvironment = true
		o.SkipValidation = true
		o.SkipConsistencyCheck = true
	})
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for name, svc := range project.Services {
		declared := own.Services[name].Environment
		for k, v := range svc.Environment {
			if _, isOwn := declared[k]; isOwn || v == nil {
				continue
			}
			env[k] = *v
		}
	}
	return env, nil
}

// settleRestored makes a container restored into a new application the
// configured one before its first start: its own network, and its disk at
// least the configured size (a restored disk has the archive's size, which
// the application then keeps).
func (d *Service) settleRestored(ctx context.Context, spec Spec, source *backupSource, app *App, log *stepLog) error {
	if err := log.run(ctx, "apply network", func() (string, error) {
		return d.applyRestoredNetwork(ctx, spec, *app)
	}); err != nil {
		return err
	}
	if app.DiskGB > source.DiskGB {
		if err := log.run(ctx, "grow disk", func() (string, error) {
			return d.growRootFS(ctx, app.Node, app.VMID, app.DiskGB)
		}); err != nil {
			return err
		}
	}
	app.DiskGB = max(app.DiskGB, source.DiskGB)
	return nil
}

// settleRestoredApp runs in a started restored container: it sets the
// configured credentials and renders the compose file from the backup's
// environment with the configured values over it.
func (d *Service) settleRestoredApp(ctx context.Context, spec Spec, entry *catalog.App, app App, log *stepLog) ([]byte, error) {
	if err := log.run(ctx, "set credentials", func() (string, error) {
		return d.setRestoredCredentials(ctx, spec, app)
	}); err != nil {
		return nil, err
	}
	var compose []byte
	err := log.run(ctx, "keep environment", func() (string, error) {
		env, kept, err := d.restoredEnvironment(ctx, entry, app, spec.Environment)
		if err != nil {
			return "", err
		}
		if compose, err = RenderCompose(ctx, entry, env); err != nil {
			return "", err
		}
		if len(kept) == 0 {
			return "none kept from the backup", nil
		}
		return "kept from the backup: " + strings.Join(kept, ", "), nil
	})
	return compose, err
}
