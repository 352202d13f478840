package deploy

import (
	"context"
	"errors"
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

// TestCheckBridgeMTUFollowsTheBridge: the plan's MTU check takes the
// bridge's MTU from the node's network configuration (the mtu option, a
// string in PVE's answer; 1500 without one), as PVE's check in
// update_pct_config reads the running bridge's.
func TestCheckBridgeMTUFollowsTheBridge(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	var above *BridgeMTUError
	if err := d.CheckBridgeMTU(ctx, "pve1", "vmbr0", 1501); !errors.As(err, &above) || above.BridgeMTU != 1500 {
		t.Errorf("1501 on a bridge without mtu: %v", err)
	}
	if err := d.CheckBridgeMTU(ctx, "pve1", "vmbr0", 1500); err != nil {
		t.Errorf("1500: %v", err)
	}
	onNode(t, d, "pve1", "pvesh set /nodes/pve1/network/vmbr0 -type bridge -mtu 9000 && pvesh set /nodes/pve1/network")
	if err := d.CheckBridgeMTU(ctx, "pve1", "vmbr0", 9000); err != nil {
		t.Errorf("9000 on a bridge of 9000: %v", err)
	}
	if err := d.CheckBridgeMTU(ctx, "pve1", "vmbr0", 9001); !errors.As(err, &above) || above.BridgeMTU != 9000 {
		t.Errorf("9001 on a bridge of 9000: %v", err)
	}
	if _, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "jumbo", Node: "pve1", Net: NetworkOptions{MTU: 9000}}, nil); err != nil {
		t.Errorf("PVE refuses what the check lets through: %v", err)
	}
}
