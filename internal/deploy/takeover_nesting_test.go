package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestPlanNestingSaysHowAndWritesNothing: what the plan's warning for a
// take-over says, for a container with nesting, an unprivileged one without
// (the API, keeping its other flags) and a privileged one (pct set as
// root); the reads change no config.
func TestPlanNestingSaysHowAndWritesNothing(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	yes := true
	for vmid, s := range map[int]pveclient.ContainerSettings{
		150: {Unprivileged: &yes, Features: &pveclient.ContainerFeatures{Nesting: &yes}},
		151: {Unprivileged: &yes},
		152: {},
	} {
		if err := d.Client.CreateContainer(ctx, "pve1", vmid, pveclient.ContainerCreateRequest{
			OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:1"},
			ContainerSettings: s,
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	onNode(t, d, "pve1", "pct set 151 --features keyctl=1")
	for vmid, want := range map[int]string{
		150: "",
		151: "CT 151 has no nesting=1, which Docker needs; the apply sets features keyctl=1,nesting=1 through the API (VM.Allocate)",
		152: "CT 152 has no nesting=1, which Docker needs; the apply sets features nesting=1 with pct set as root over SSH",
	} {
		before, _ := d.Client.ContainerConfig(ctx, "pve1", vmid)
		change, err := d.PlanNesting(ctx, "pve1", vmid)
		if err != nil {
			t.Fatal(err)
		}
		if change.Needed != (want != "") || (want != "" && !strings.HasPrefix(change.Describe(vmid), want)) {
			t.Errorf("CT %d: %+v %q; want %q", vmid, change, change.Describe(vmid), want)
		}
		if after, _ := d.Client.ContainerConfig(ctx, "pve1", vmid); after.Digest != before.Digest {
			t.Errorf("CT %d: planning changed the config", vmid)
		}
	}
}
