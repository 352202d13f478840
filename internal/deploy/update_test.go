package deploy

import (
	"context"
	"testing"
)

func TestWithAddressKeepsTheRestOfNet0(t *testing.T) {
	for _, c := range []struct{ net0, ip, gw, want string }{
		{"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth", "10.0.0.5/24", "10.0.0.1",
			"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,type=veth,ip=10.0.0.5/24,gw=10.0.0.1"},
		{"name=eth0,bridge=vmbr1,gw=10.0.0.1,ip=10.0.0.5/24", "", "", "name=eth0,bridge=vmbr1,ip=dhcp"},
	} {
		if got := withAddress(c.net0, c.ip, c.gw); got != c.want {
			t.Errorf("withAddress(%q, %q, %q) = %q, want %q", c.net0, c.ip, c.gw, got, c.want)
		}
	}
}

// On Debian the runtime is docker.io with the standalone docker-compose:
// a redeploy and a restart must use it as the create did.
func TestUpdateOnDebianUsesItsComposeCommand(t *testing.T) {
	d, _, _ := newDeps(t, "")
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "deb", Template: "debian-12-standard_12.7-1_amd64.tar.zst"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	if runtime := app.Log[9]; runtime.Name != "install container runtime" || runtime.Message != "docker-compose" {
		t.Fatalf("runtime step %+v", runtime)
	}
	steps, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", PublicPort: app.PublicPort, InternalPort: app.InternalPort,
		Redeploy: true, Restart: true, Environment: map[string]string{"NGINX_HOST": "example.org"}})
	if err != nil {
		t.Fatalf("update: %v (%+v)", err, steps)
	}
}
