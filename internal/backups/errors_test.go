package backups

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// startSim is a simulated cluster and a PVEAdmin token's client to it.
func startSim(t *testing.T) (*pvesim.Simulator, *pveclient.Client) {
	t.Helper()
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.01})
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	return sim, client
}

// onNodeAndCT runs a root script on pve1 and makes CT 150 there.
func onNodeAndCT(t *testing.T, sim *pvesim.Simulator, client *pveclient.Client, script string) {
	t.Helper()
	var out bytes.Buffer
	if code, err := sim.RunOnNode(context.Background(), "pve1", script, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("%s: %d %v %s", script, code, err, out.String())
	}
	create := pveclient.ContainerCreateRequest{OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz",
		RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:1"}}
	if err := client.CreateContainer(context.Background(), "pve1", 150, create, nil); err != nil {
		t.Fatal(err)
	}
}

// A backup that names no storage goes where the node's vzdump defaults
// send it (/etc/vzdump.conf's storage), read through
// GET /nodes/{node}/vzdump/defaults.
func TestDefaultStorageFollowsVzdumpConf(t *testing.T) {
	sim, client := startSim(t)
	onNodeAndCT(t, sim, client, "pvesm add dir nas --path /srv/nas --content backup && echo 'storage: nas' > /etc/vzdump.conf")
	b, err := (&Service{Client: client}).Create(context.Background(), Spec{Node: "pve1", VMID: 150, Mode: "snapshot", Compress: "zstd"})
	if err != nil || b.Storage != "nas" || !strings.HasPrefix(b.VolID, "nas:backup/vzdump-lxc-150-") {
		t.Fatalf("backup %+v, %v; want it on nas", b, err)
	}
}

// A storage disabled after the plan checked it fails vzdump's task, not its
// call (PVE/VZDump.pm new: "could not activate storage 'nas': storage 'nas'
// is disabled"): the backup fails with a StorageError that names the
// storage and carries the task's reason.
func TestBackupToADisabledStorageIsAStorageError(t *testing.T) {
	sim, client := startSim(t)
	onNodeAndCT(t, sim, client, "pvesm add dir nas --path /srv/nas --content backup && pvesm set nas --disable 1")
	ctx := context.Background()
	_, err := (&Service{Client: client}).Create(ctx, Spec{Node: "pve1", VMID: 150, Storage: "nas", Mode: "snapshot", Compress: "zstd"})
	var storage *StorageError
	if !errors.As(err, &storage) || storage.Storage != "nas" || storage.Node != "pve1" {
		t.Fatalf("error %v, want a StorageError for nas on pve1", err)
	}
	if !strings.Contains(err.Error(), "could not activate storage 'nas'") {
		t.Errorf("error %q does not carry the task's reason", err)
	}
}
