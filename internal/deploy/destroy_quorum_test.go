package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestDestroyWithoutQuorumTouchesNothing: PVE's destroy does not refuse a
// cluster without quorum; its task frees the disks and then fails to write
// the config (pve-container src/PVE/LXC.pm destroy_lxc_container ->
// write_config), leaving a container without data. The provider refuses
// first: the app keeps running with its disk and its ports, and the error
// says why. With quorum back, the destroy goes through and frees the ports.
func TestDestroyWithoutQuorumTouchesNothing(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.SetQuorate(false)
	err = d.Destroy(ctx, app.Node, app.VMID, app.AllocationID)
	var nq *NoQuorumError
	if !errors.As(err, &nq) || !strings.Contains(err.Error(), "the cluster has no quorum") || !strings.Contains(err.Error(), "pvecm status") {
		t.Fatalf("destroy without quorum: %v", err)
	}
	if st, err := d.Client.GuestStatus(ctx, app.Node, app.VMID); err != nil || st.Status != "running" {
		t.Errorf("the container after the refused destroy: %+v %v", st, err)
	}
	if got := rootDisks(t, d, app.Node); !strings.Contains(got, fmt.Sprintf("vm-%d-disk-0", app.VMID)) {
		t.Errorf("the disk after the refused destroy is gone: %s", got)
	}
	if _, held, err := d.Ports.Get(ctx, app.AllocationID); err != nil || !held {
		t.Errorf("the ports after the refused destroy: held %v, %v", held, err)
	}

	sim.SetQuorate(true)
	if err := d.Destroy(ctx, app.Node, app.VMID, app.AllocationID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.GuestStatus(ctx, app.Node, app.VMID); !pveclient.IsNotFound(err) {
		t.Errorf("the container after the destroy: %v", err)
	}
	if _, held, err := d.Ports.Get(ctx, app.AllocationID); err != nil || held {
		t.Errorf("the ports after the destroy: held %v, %v", held, err)
	}
}

// TestFailedDestroyKeepsThePorts: a destroy task that fails leaves the
// container, so its ports stay allocated to it.
func TestFailedDestroyKeepsThePorts(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("taskfail:vzdestroy=1"); err != nil {
		t.Fatal(err)
	}
	var te *pveclient.TaskError
	if err := d.Destroy(ctx, app.Node, app.VMID, app.AllocationID); !errors.As(err, &te) {
		t.Fatalf("destroy with a failing task: %v", err)
	}
	if _, held, err := d.Ports.Get(ctx, app.AllocationID); err != nil || !held {
		t.Errorf("the ports after the failed destroy: held %v, %v", held, err)
	}
}

// rootDisks lists the container disks of local-lvm on a node.
func rootDisks(t *testing.T, d *Service, node string) string {
	t.Helper()
	res, err := d.Nodes.Run(context.Background(), node, "pvesm list local-lvm", nil)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("pvesm list: %v %d %s", err, res.ExitCode, res.Stderr)
	}
	return res.Stdout
}
