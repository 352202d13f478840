package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A new address rewrites net0 whole, keeping the rest of it: name, bridge,
// MAC address and the options Proximity does not set; no ip means dhcp.
func TestNetworkChangeKeepsTheRestOfNet0(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	yes := true
	if err := d.Client.CreateContainer(ctx, "pve1", 101, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:2"},
		ContainerSettings: pveclient.ContainerSettings{Networks: map[int]pveclient.ContainerNetwork{0: {
			Name: "eth0", Bridge: "vmbr0", HWAddr: "BC:24:11:AA:BB:CC", IP: "dhcp", Firewall: &yes}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ip, gw, want string
	}{
		{"10.0.0.5/24", "10.0.0.1", "name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:AA:BB:CC,ip=10.0.0.5/24,type=veth"},
		{"", "", "name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth"},
	} {
		if _, err := d.Update(ctx, "pve1", 101, Change{CatalogID: "nginx", Network: &Network{IP: c.ip, Gateway: c.gw}}); err != nil {
			t.Fatal(err)
		}
		cfg, err := d.Client.ContainerConfig(ctx, "pve1", 101)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Networks[0].String(); got != c.want {
			t.Errorf("ip %q gw %q: net0 %q, want %q", c.ip, c.gw, got, c.want)
		}
	}
}

// TestDebian12UpdateDrivesComposeV1: Debian 12's archive has only Compose
// v1 (docker-compose 1.29.2), which the create chose; a changed environment
// writes the v1 form again (no top-level name, project by -p) and brings
// the services up and checked with docker-compose, and a restart uses it
// too. The new value, $ included, reaches compose unchanged.
func TestDebian12UpdateDrivesComposeV1(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "wordpress", Hostname: "deb", Template: "debian-12-standard_12.7-1_amd64.tar.zst"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	if got := stepMessage(t, app.Log, "install container runtime"); got != "docker-compose 1.29.2" {
		t.Fatalf("compose %q, want Debian 12's docker-compose 1.29.2", got)
	}
	steps, err := d.Update(ctx, app.Node, app.VMID,
		Change{CatalogID: "wordpress", Redeploy: true, Environment: map[string]string{"DB_PASSWORD": "n3w$ecret"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "write compose file,compose up,check services" {
		t.Errorf("redeploy steps %s", got)
	}
	file, _ := inApp(t, d, app, "cat", "/opt/proximity/wordpress/compose.yaml")
	if strings.HasPrefix(file, "name:") || strings.Contains(file, "required:") {
		t.Errorf("the redeployed file is not the v1 form:\n%s", file)
	}
	out, errOut := inApp(t, d, app, "docker-compose", "-f", "/opt/proximity/wordpress/compose.yaml", "-p", "wordpress", "config")
	if !strings.Contains(out, "WORDPRESS_DB_PASSWORD: n3w$$ecret") || strings.Contains(errOut, "not set") {
		t.Errorf("docker-compose config after the redeploy:\n%s\n%s", out, errOut)
	}
	steps, err = d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "wordpress", Restart: true})
	if err != nil || len(steps) != 1 || steps[0].Name != "compose restart" {
		t.Fatalf("restart: %+v %v", steps, err)
	}
	ps, _ := inApp(t, d, app, "docker-compose", "-f", "/opt/proximity/wordpress/compose.yaml", "-p", "wordpress", "ps")
	if strings.Count(ps, " Up ") != 2 {
		t.Errorf("after the restart:\n%s", ps)
	}
}
