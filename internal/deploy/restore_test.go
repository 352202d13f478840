package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// marker reads /srv/marker in a container.
func marker(t *testing.T, d *Service, app App) string {
	t.Helper()
	out, err := d.output(context.Background(), app.Node, app.VMID, "cat", "/srv/marker")
	if err != nil {
		t.Fatalf("reading the marker in CT %d: %v", app.VMID, err)
	}
	return strings.TrimSpace(out)
}

func setMarker(t *testing.T, d *Service, app App, value string) {
	t.Helper()
	if err := d.inContainer(context.Background(), app.Node, app.VMID, "sh", "-c", "echo "+value+" > /srv/marker"); err != nil {
		t.Fatal(err)
	}
}

// A backup restores into a new application that keeps the backup's ports
// when they are free, and over an existing one in place.
func TestRestoreIntoNewAndInPlace(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	setMarker(t, d, first.App, "v1")
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Destroy(ctx, first.Node, first.VMID, first.AllocationID); err != nil {
		t.Fatal(err)
	}

	restored, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID}, func(App) {})
	if err != nil {
		for _, s := range restored.Log {
			t.Logf("%s %s %s", s.Name, s.Status, s.Message)
		}
		t.Fatal(err)
	}
	if restored.PublicPort != first.PublicPort || restored.InternalPort != first.InternalPort {
		t.Errorf("restored with ports %d/%d, want the backup's free pair %d/%d",
			restored.PublicPort, restored.InternalPort, first.PublicPort, first.InternalPort)
	}
	if got := marker(t, d, restored.App); got != "v1" {
		t.Errorf("marker %q after the restore, want v1", got)
	}
	o, _ := d.Observe(ctx, restored.Node, restored.VMID)
	if o.Hostname != "web2" || !o.Running || o.PublicPort != restored.PublicPort || o.Deploying {
		t.Errorf("restored container %+v", o)
	}

	setMarker(t, d, restored.App, "v2")
	steps, err := d.Update(ctx, restored.Node, restored.VMID,
		Change{CatalogID: "nginx", PublicPort: restored.PublicPort, InternalPort: restored.InternalPort, RestoreFrom: b.VolID})
	if err != nil {
		t.Fatalf("in-place restore: %v (%+v)", err, steps)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "stop,restore container,start,wait for address") ||
		!strings.HasSuffix(got, "check services") {
		t.Errorf("steps %s", got)
	}
	if got := marker(t, d, restored.App); got != "v1" {
		t.Errorf("marker %q after the in-place restore, want v1", got)
	}
	after, _ := d.Observe(ctx, restored.Node, restored.VMID)
	if after.Hostname != "web2" || !after.Running || after.PublicPort != restored.PublicPort {
		t.Errorf("container after the in-place restore %+v", after)
	}
}

// A restore whose task fails leaves no container and no allocation.
func TestFailedRestoreLeavesNothing(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("taskfail:vzrestore=1x1|unable to restore CT - tar: short read"); err != nil {
		t.Fatal(err)
	}
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID}, func(App) {})
	if err == nil {
		t.Fatal("the restore did not fail")
	}
	if app.Exists || app.VMID != 0 || app.AllocationID != "" {
		t.Errorf("a failed restore reported %+v", app)
	}
	guests, _ := d.Client.ClusterGuests(ctx)
	if len(guests) != 1 || allocations(t, d) != 1 {
		t.Errorf("%d containers and %d allocations, want only the first app's", len(guests), allocations(t, d))
	}
}

// A restore into a new application makes it the configured one, not a copy
// of the original: PVE keeps the archive's net0 with unique=1 and ignores
// password and ssh-public-keys (pve-container src/PVE/LXC/Create.pm
// sanitize_and_merge_config; src/PVE/API2/LXC.pm runs post_create_hook only
// without restore), so the new app gets its own address before its first
// start, the configured password and keys, and the environment the backup
// was made with, under the values the configuration sets.
func TestRestoreIntoNewAppIsItsOwn(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "gitea", Hostname: "git", IPConfig: "192.168.50.10/24", Gateway: "192.168.50.1",
		Password: "first-pass", Environment: map[string]string{"DB_PASSWORD": "old$db", "DB_ROOT_PASSWORD": "old-root"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp2Sg1QbpUfWqvZtNL8hGqjlqY3V9bDsBhkvWQfCRWQ restored@example"
	restored, err := d.Create(ctx, Spec{CatalogID: "gitea", Hostname: "git2", RestoreFrom: b.VolID, IPConfig: "192.168.50.11/24",
		Gateway: "192.168.50.1", Password: "second-pass", SSHPublicKeys: key, Environment: map[string]string{"DB_ROOT_PASSWORD": "new-root"}}, nil)
	if err != nil {
		for _, s := range restored.Log {
			t.Logf("%s %s %s", s.Name, s.Status, s.Message)
		}
		t.Fatal(err)
	}
	if restored.IP != "192.168.50.11" {
		t.Errorf("restored app at %s, want its own 192.168.50.11 (the original is at %s)", restored.IP, first.IP)
	}
	cfg, err := d.Client.ContainerConfig(ctx, restored.Node, restored.VMID)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := d.Client.ContainerConfig(ctx, first.Node, first.VMID)
	if n := cfg.Networks[0]; n.IP != "192.168.50.11/24" || n.Gateway != "192.168.50.1" || n.HWAddr == "" || n.HWAddr == orig.Networks[0].HWAddr {
		t.Errorf("restored net0 %+v, original %+v", n, orig.Networks[0])
	}
	if got, _ := d.output(ctx, restored.Node, restored.VMID, "cat", "/root/.ssh/authorized_keys"); got != key+"\n" {
		t.Errorf("authorized_keys %q", got)
	}
	if got, _ := d.output(ctx, restored.Node, restored.VMID, "stat", "-c", "%a", "/root/.ssh/authorized_keys"); strings.TrimSpace(got) != "600" {
		t.Errorf("authorized_keys mode %q, want 600", got)
	}
	shadow, _ := d.output(ctx, restored.Node, restored.VMID, "cat", "/etc/shadow")
	if !rootPasswordIs(shadow, "second-pass") {
		t.Errorf("root's password is not the configured one after the restore")
	}
	compose, _ := d.output(ctx, restored.Node, restored.VMID, "cat", "/opt/proximity/gitea/compose.yaml")
	env, err := composeEnvironment(ctx, mustApp(t, d, "gitea"), []byte(compose))
	if err != nil {
		t.Fatal(err)
	}
	if env["DB_PASSWORD"] != "old$db" || env["DB_ROOT_PASSWORD"] != "new-root" {
		t.Errorf("restored environment %v, want DB_PASSWORD kept from the backup (old$db) and DB_ROOT_PASSWORD configured (new-root)", env)
	}
}

// An update to the disk size the container already has is no resize: PVE
// refuses it ("disk is already at specified size", resize_vm).
func TestGrowDiskOnlyWhenLarger(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", DiskGB: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", DiskGB: 3})
	if err != nil {
		t.Fatalf("growing to the current size: %v (%+v)", err, steps)
	}
	if _, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", DiskGB: 4}); err != nil {
		t.Fatal(err)
	}
	if o, _ := d.Observe(ctx, app.Node, app.VMID); o.DiskGB != 4 {
		t.Errorf("disk %dG after growing to 4G", o.DiskGB)
	}
}

func mustApp(t *testing.T, d *Service, id string) *catalog.App {
	t.Helper()
	entry, err := d.CatalogApp(id)
	if err != nil {
		t.Fatal(err)
	}
	return entry
}

// rootPasswordIs checks root's hash in /etc/shadow.
func rootPasswordIs(shadow, password string) bool {
	for _, line := range strings.Split(shadow, "\n") {
		if fields := strings.Split(line, ":"); fields[0] == "root" && len(fields) > 1 {
			return sha512_crypt.New().Verify(fields[1], []byte(password)) == nil
		}
	}
	return false
}

// A restore over an application keeps the environment of its backup where
// the configuration sets no value: the restored database was initialised
// with it.
func TestRestoreInPlaceKeepsTheBackupsEnvironment(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "gitea", Hostname: "git", Environment: map[string]string{"DB_PASSWORD": "at-backup"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: app.Node, VMID: app.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "gitea", PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		RestoreFrom: b.VolID, Environment: map[string]string{"DB_ROOT_PASSWORD": "configured"}}); err != nil {
		t.Fatal(err)
	}
	compose, _ := d.output(ctx, app.Node, app.VMID, "cat", "/opt/proximity/gitea/compose.yaml")
	env, err := composeEnvironment(ctx, mustApp(t, d, "gitea"), []byte(compose))
	if err != nil || env["DB_PASSWORD"] != "at-backup" || env["DB_ROOT_PASSWORD"] != "configured" {
		t.Errorf("environment after the in-place restore %v (%v), want DB_PASSWORD from the backup and DB_ROOT_PASSWORD configured", env, err)
	}
}

// A backup without the app's compose file (another app's, or one made
// before the file was written) leaves the configured environment alone,
// with a generated value for each secret it does not set (never the
// catalog's placeholder).
func TestRestoredEnvironmentWithoutComposeFile(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	configured := map[string]string{"DB_PASSWORD": "configured"}
	env, kept, err := d.restoredEnvironment(ctx, mustApp(t, d, "gitea"), app.App, configured)
	root := env["DB_ROOT_PASSWORD"]
	if err != nil || len(kept) != 0 || len(env) != 2 || env["DB_PASSWORD"] != "configured" || root == "" || catalog.LooksLikePlaceholder(root) {
		t.Errorf("restoredEnvironment = %d keys, kept %v, %v; want the configured environment and a generated DB_ROOT_PASSWORD", len(env), kept, err)
	}
}
