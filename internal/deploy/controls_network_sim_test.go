package deploy

import (
	"context"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestRestoreTakesTheAppsNetworkControls: a restore into a new app keeps
// none of the archive's network (PVE's restore keeps its netN and its
// nameserver and searchdomain, Create.pm sanitize_and_merge_config): net0
// gets the app's controls, with the app's MAC address when it sets one, and
// the DNS options are the app's, an archive's option the app does not set
// deleted.
func TestRestoreTakesTheAppsNetworkControls(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	first, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web",
		Net: NetworkOptions{VLANTag: 10, Firewall: true, MTU: 1400, DNSServers: []string{"1.1.1.1"}, SearchDomain: "old.example"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backups.Create(ctx, backups.Spec{Node: first.Node, VMID: first.VMID, Mode: "stop", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{CatalogID: "nginx", Hostname: "web2", RestoreFrom: b.VolID,
		Net: NetworkOptions{VLANTag: 20, MAC: "02:AB:CD:00:11:22", IP6: "auto", DNSServers: []string{"9.9.9.9", "2606:4700:4700::1111"}}}
	restored, err := d.Create(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := d.Client.ContainerConfig(ctx, restored.Node, restored.VMID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Networks[0].String(), "name=eth0,bridge=vmbr0,hwaddr=02:AB:CD:00:11:22,ip=dhcp,ip6=auto,tag=20,type=veth"; got != want {
		t.Errorf("restored net0 %q, want %q", got, want)
	}
	if dns := pveclient.DNSOf(cfg); dns.Nameserver != "9.9.9.9 2606:4700:4700::1111" || dns.Searchdomain != "" {
		t.Errorf("restored DNS %+v, want the app's servers and no search domain", dns)
	}
	o, err := d.Observe(ctx, restored.Node, restored.VMID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Net.VLANTag != 20 || o.Net.MAC != "02:AB:CD:00:11:22" || o.Net.Firewall || o.Net.MTU != 0 || o.Net.IP6 != "auto" ||
		len(o.Net.DNSServers) != 2 || o.Net.SearchDomain != "" {
		t.Errorf("observed %+v", o.Net)
	}
}
