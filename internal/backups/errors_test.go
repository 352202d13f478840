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

// A storage disabled after the plan checked it fails vzdump's task, not its
// call (PVE/VZDump.pm new: "could not activate storage 'nas': storage 'nas'
// is disabled"): the backup fails with a StorageError that names the
// storage and carries the task's reason.
func TestBackupToADisabledStorageIsAStorageError(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.01})
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	script := "pvesm add dir nas --path /srv/nas --content backup && pvesm set nas --disable 1"
	if code, err := sim.RunOnNode(ctx, "pve1", script, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("%s: %d %v %s", script, code, err, out.String())
	}
	create := pveclient.ContainerCreateRequest{OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz",
		RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:1"}}
	if err := client.CreateContainer(ctx, "pve1", 150, create, nil); err != nil {
		t.Fatal(err)
	}
	_, err = (&Service{Client: client}).Create(ctx, Spec{Node: "pve1", VMID: 150, Storage: "nas", Mode: "snapshot", Compress: "zstd"})
	var storage *StorageError
	if !errors.As(err, &storage) || storage.Storage != "nas" || storage.Node != "pve1" {
		t.Fatalf("error %v, want a StorageError for nas on pve1", err)
	}
	if !strings.Contains(err.Error(), "could not activate storage 'nas'") {
		t.Errorf("error %q does not carry the task's reason", err)
	}
}
