package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

func onNode(t *testing.T, d *Service, node, script string) {
	t.Helper()
	res, err := d.Nodes.Run(context.Background(), node, script, nil)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%s on %s: %v %d %s", script, node, err, res.ExitCode, res.Stderr)
	}
}

// TestCreateChoosesLocalEnabledStorages: with an NFS storage bigger than
// local-lvm and a disabled storage for container disks configured, the app's
// root disk goes to local-lvm and a missing template is downloaded to
// 'local'. GET /nodes/{node}/storage lists the disabled storage with
// enabled=0 and the NFS one with shared=1 (pve-storage Storage.pm
// storage_info), so the provider must filter and rank them itself: by
// free space alone, NFS (1 TiB) came first for both.
func TestCreateChoosesLocalEnabledStorages(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	onNode(t, d, "pve1", "pvesm add nfs nas --server 192.0.2.10 --export /srv/pve --path /mnt/pve/nas --content rootdir,images,vztmpl && "+
		"pvesm add dir off --path /srv/off --content rootdir,vztmpl --disable 1")
	storages, err := d.Client.Storages(ctx, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]pveclient.Storage{}
	for _, s := range storages {
		byID[s.ID] = s
	}
	if nas, off := byID["nas"], byID["off"]; nas.Shared != 1 || nas.Active != 1 || storages[0].ID != "nas" || off.Enabled != 0 || !off.Holds("rootdir") {
		t.Fatalf("the listing the rule works on: %+v", storages)
	}
	const alpine = "alpine-3.22-default_20250617_amd64.tar.xz"
	if err := d.Client.DeleteVolume(ctx, "pve1", "local", "local:vztmpl/"+alpine); err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	got, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Storage != "local-lvm" || got.Template != "local:vztmpl/"+alpine {
		t.Errorf("rootfs on %q from %q, want local-lvm and the newest Alpine of the index downloaded to local", got.Storage, got.Template)
	}
	if n := sim.Stats().Tasks["download"]; n != 1 {
		t.Errorf("%d template downloads, want 1", n)
	}

	// With local-lvm disabled too, the shared storage is the only one left.
	onNode(t, d, "pve1", "pvesm set local-lvm --disable 1")
	got, err = d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web2", Node: "pve1"}, nil)
	if err != nil || got.Storage != "nas" {
		t.Errorf("rootfs on %q (%v), want nas", got.Storage, err)
	}
	// And with it gone, nothing: the disabled storages are named.
	onNode(t, d, "pve1", "pvesm remove nas")
	_, err = d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web3", Node: "pve1"}, nil)
	var se *StorageError
	if !errors.As(err, &se) || se.Content != "rootdir" || !slices.Equal(se.Skipped, []string{"local-lvm", "off"}) {
		t.Errorf("no usable storage: %v", err)
	}
}

// TestBridgeMustExistOnTheNode: a container on a bridge its node lacks does
// not start (pve-container src/lxcnetaddbr: "bridge '<name>' does not
// exist"), so the check refuses it before anything is created, names the
// bridges the node has, and a node left to choose is one with the bridge.
func TestBridgeMustExistOnTheNode(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	onNode(t, d, "pve2", "printf '\\nauto vmbr1\\niface vmbr1 inet manual\\n\\tbridge-ports none\\n\\tbridge-stp off\\n' "+
		">> /etc/network/interfaces")
	onNode(t, d, "pve1", "cp /etc/network/interfaces /etc/network/interfaces.new && "+
		"printf '\\nauto vmbr2\\niface vmbr2 inet manual\\n\\tbridge-ports none\\n' >> /etc/network/interfaces.new")

	err := d.CheckNodeBridge(ctx, "pve1", "vmbr1")
	var be *BridgeError
	if !errors.As(err, &be) || !slices.Equal(be.Have["pve1"], []string{"vmbr0"}) || len(be.Have) != 1 ||
		!strings.Contains(err.Error(), `node pve1 has no bridge "vmbr1"`) {
		t.Errorf("vmbr1 on pve1: %v", err)
	}
	if err := d.CheckNodeBridge(ctx, "", "vmbr1"); err != nil {
		t.Errorf("vmbr1 with no node asked: %v", err)
	}
	if err := d.CheckNodeBridge(ctx, "pve2", ""); err != nil {
		t.Errorf("the default bridge: %v", err)
	}
	err = d.CheckNodeBridge(ctx, "pve1", "vmbr2")
	if !errors.As(err, &be) || !slices.Equal(be.Pending, []string{"pve1"}) || !strings.Contains(err.Error(), "not active on pve1") {
		t.Errorf("a pending bridge: %v", err)
	}
	err = d.CheckNodeBridge(ctx, "", "vmbr9")
	if !errors.As(err, &be) || len(be.Have) != 3 || !strings.Contains(err.Error(), `no online node has bridge "vmbr9"`) {
		t.Errorf("a bridge no node has: %v", err)
	}

	// pve3 has the most free memory, but only pve2 has vmbr1.
	if node, err := d.chooseNode(ctx, Spec{Bridge: "vmbr1"}, 128, nil); err != nil || node != "pve2" {
		t.Errorf("node for vmbr1: %q %v", node, err)
	}
	sim.ResetStats()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1", Bridge: "vmbr1"}, nil)
	if !errors.As(err, &be) || created.Exists || sim.Stats().Tasks["vzcreate"] != 0 {
		t.Errorf("create on pve1 with vmbr1: %v (exists %v, %d creates)", err, created.Exists, sim.Stats().Tasks["vzcreate"])
	}
}

// TestSpreadPlacesConcurrentCreatesApart: three creates of one run choose
// at once from listings read before any of them made a container; spread
// puts them on three nodes (pve3, the most free memory, first), counting
// each other's choices (Claims), and reads no listing of its own. Pack
// puts all three on pve3.
func TestSpreadPlacesConcurrentCreatesApart(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	choose := func(prefix string) []string {
		d.Claims = &Claims{}
		nodes := make([]string, 3)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() {
				var err error
				if nodes[i], err = d.chooseNode(ctx, Spec{Hostname: fmt.Sprintf("%s%d", prefix, i)}, 128, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		slices.Sort(nodes)
		return nodes
	}
	sim.ResetStats()
	d.Placement = PlacementSpread
	if got := choose("s"); !slices.Equal(got, []string{"pve1", "pve2", "pve3"}) {
		t.Errorf("spread: %v, want one app on each node", got)
	}
	if n := sim.Stats().Requests["GET /cluster/resources"]; n != 0 {
		t.Errorf("%d cluster listings, want none: the create's own listing is counted", n)
	}
	d.Placement = PlacementPack
	if got := choose("p"); !slices.Equal(got, []string{"pve3", "pve3", "pve3"}) {
		t.Errorf("pack: %v, want all on pve3", got)
	}
}

// TestSpreadSkipsNodesWithoutTheBridge: pve1 has the fewest apps but not
// the app's bridge; of pve2 and pve3, which have it and one app each, pve3
// has the most free memory.
func TestSpreadSkipsNodesWithoutTheBridge(t *testing.T) {
	d, _ := newService(t)
	d.Placement = PlacementSpread
	for _, n := range []string{"pve2", "pve3"} {
		onNode(t, d, n, "printf '\\nauto vmbr1\\niface vmbr1 inet manual\\n\\tbridge-ports none\\n' >> /etc/network/interfaces")
	}
	guests := []pveclient.ClusterGuest{
		{VMID: 100, Node: "pve3", Type: "lxc", Name: "a", Tags: []string{TagProximity}},
		{VMID: 101, Node: "pve2", Type: "lxc", Name: "b", Tags: []string{TagProximity}},
	}
	node, err := d.chooseNode(context.Background(), Spec{Hostname: "c", Bridge: "vmbr1"}, 128, guests)
	if err != nil || node != "pve3" {
		t.Errorf("node for vmbr1: %q %v, want pve3", node, err)
	}
	if node, err = d.chooseNode(context.Background(), Spec{Hostname: "d"}, 128, guests); err != nil || node != "pve1" {
		t.Errorf("node for vmbr0: %q %v, want pve1, which has no app", node, err)
	}
}
