package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestDestroyWithoutRefreshFollowsAMigratedApp: an app's container migrated
// out of band (pct migrate, HA) and then `terraform destroy -refresh=false`,
// which skips the refresh that would have followed it. The destroy must
// still find the container where the cluster lists it, prove it is the app
// and destroy it there; before, it took the container for gone, released
// the pair of an app still running on the other node and left that
// container behind.
func TestDestroyWithoutRefreshFollowsAMigratedApp(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{})
	c := newCLI(t, sim, `
resource "proximity_application" "moved" {
  catalog_id = "nginx"
  hostname   = "moved"
  memory     = 128
}
`)
	client := simClient(t, sim)
	c.apply()
	before, ok := guestNamed(t, client, "moved")
	if !ok {
		t.Fatal("no container after the apply")
	}
	to := "pve2"
	if before.Node == to {
		to = "pve1"
	}
	if err := client.MigrateContainer(context.Background(), before.Node, before.VMID, to, ""); err != nil {
		t.Fatal(err)
	}

	out := c.must("destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false")
	if !strings.Contains(out, "Destroy complete") {
		t.Fatalf("destroy did not complete:\n%s", out)
	}
	if g, ok := guestNamed(t, client, "moved"); ok {
		t.Errorf("CT %d is left running on %s after the destroy, its ports released", g.VMID, g.Node)
	}
	if left := allocations(t, filepath.Join(c.dir, "allocations.json")); len(left) != 0 {
		t.Errorf("allocations left after the destroy: %+v", left)
	}
}
