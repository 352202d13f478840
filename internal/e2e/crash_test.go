package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestKilledApplyConverges kills an apply of 5 applications (the CLI and the
// provider process, with SIGKILL) in the middle of the deployments, then
// applies again (importing, as the error says, an app whose create ended
// just before the kill): 5 containers, all in the state, no orphan, no
// leaked allocation, and an empty plan.
func TestKilledApplyConverges(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{TimeScale: 0.1})
	c := newCLI(t, sim, `
resource "proximity_application" "app" {
  count      = 5
  catalog_id = "nginx"
  hostname   = "app${count.index}"
}
`)
	client := simClient(t, sim)
	containers := func() []pveclient.ClusterGuest {
		guests, err := client.ClusterGuests(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return guests
	}

	apply, out := c.command("apply", "-auto-approve", "-input=false", "-no-color")
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once one application is recorded and the others are somewhere
	// in their deployment (or finished, and not yet recorded).
	waitFor(t, 2*time.Minute, "the first application to be recorded", func() bool { return strings.Contains(out.String(), "Creation complete") })
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = apply.Wait()
	t.Logf("killed with %d containers in the cluster; output so far:\n%s", len(containers()), out)
	restoreTornState(t, c.dir)

	// An app whose create ended just before the kill runs unmarked and
	// unrecorded: its create is refused and it is imported (applyAfterKill).
	imported := c.applyAfterKill(func(hostname string) string {
		return "proximity_application.app[" + strings.TrimPrefix(hostname, "app") + "]"
	})
	t.Logf("imported after the kill: %v", imported)
	if got := c.stateList(); len(got) != 5 {
		t.Errorf("state holds %v, want 5 applications", got)
	}
	if got := containers(); len(got) != 5 {
		t.Errorf("%d containers after the second apply, want 5 (no orphan): %+v", len(got), got)
	}
	if got := allocations(t, filepath.Join(c.dir, "allocations.json")); len(got) != 5 {
		t.Errorf("%d allocations, want 5 (none leaked): %+v", len(got), got)
	}
	c.planIsEmpty()
	c.must("destroy", "-auto-approve", "-input=false", "-no-color")
	if got := containers(); len(got) != 0 {
		t.Errorf("%d containers after destroy", len(got))
	}
	if got := allocations(t, filepath.Join(c.dir, "allocations.json")); len(got) != 0 {
		t.Errorf("%d allocations after destroy", len(got))
	}
}

func simClient(t testing.TB, sim *pvesim.Simulator) *pveclient.Client {
	t.Helper()
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.APIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func allocations(t testing.TB, file string) []allocstore.Allocation {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var table allocstore.Table
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	return table.Allocations
}

// restoreTornState mends what SIGKILL may do to the CLI itself: the local
// backend rewrites terraform.tfstate in place, so a kill during that write
// leaves half a file ("syntax error at byte offset 8192" on the next run).
// As a user would, it puts back terraform.tfstate.backup, the state before
// that write; the provider's own recovery must then do the rest.
func restoreTornState(t *testing.T, dir string) {
	t.Helper()
	state := filepath.Join(dir, "terraform.tfstate")
	data, err := os.ReadFile(state)
	if err != nil || json.Valid(data) {
		return
	}
	backup, err := os.ReadFile(state + ".backup")
	if err != nil || !json.Valid(backup) {
		t.Logf("the kill tore terraform.tfstate and left no usable backup: starting from no state")
		if err := os.Remove(state); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Logf("the kill tore terraform.tfstate (%d bytes): restoring terraform.tfstate.backup", len(data))
	if err := os.WriteFile(state, backup, 0o600); err != nil {
		t.Fatal(err)
	}
}
