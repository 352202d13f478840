package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// TestRestoreInPlaceSetsTheConfiguredCredentials: PVE ignores password and
// ssh-public-keys on a restore (pve-container src/PVE/API2/LXC.pm create_vm:
// post_create_hook, which sets them, runs only without restore), so the
// archive's /etc/shadow and /root/.ssh come back. An in-place restore sets
// the configured ones again, before compose runs, as a restore into a new
// app does (setRestoredCredentials), and only once.
func TestRestoreInPlaceSetsTheConfiguredCredentials(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp2Sg1QbpUfWqvZtNL8hGqjlqY3V9bDsBhkvWQfCRWQ configured@example"
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Password: "first-pass", SSHPublicKeys: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The backup holds other keys than the configured ones.
	if err := d.inContainer(ctx, app.Node, app.VMID, "sh", "-c", "echo 'ssh-ed25519 AAAA intruder' > /root/.ssh/authorized_keys"); err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: app.Node, VMID: app.VMID, Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	second := "second-pass"
	if _, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		Password: &second}); err != nil {
		t.Fatal(err)
	}
	steps, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		RestoreFrom: b.VolID, Password: &second, SSHPublicKeys: key})
	if err != nil {
		t.Fatalf("in-place restore: %v (%+v)", err, steps)
	}
	shadow, _ := d.output(ctx, app.Node, app.VMID, "cat", "/etc/shadow")
	if !rootPasswordIs(shadow, "second-pass") {
		t.Errorf("root's password after the in-place restore is not the configured one")
	}
	if got, _ := d.output(ctx, app.Node, app.VMID, "cat", "/root/.ssh/authorized_keys"); got != key+"\n" {
		t.Errorf("authorized_keys after the in-place restore %q, want the configured key", got)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
		if s.Name == "set credentials" && s.Message != "root password, /root/.ssh/authorized_keys" {
			t.Errorf("set credentials: %q", s.Message)
		}
	}
	if got := strings.Join(names, ","); strings.Count(got, "set credentials") != 1 || strings.Contains(got, "set password") ||
		strings.Index(got, "set credentials") > strings.Index(got, "compose up") {
		t.Errorf("steps %s: want the credentials set once, before compose up", got)
	}
}
