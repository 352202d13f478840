package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestInterruptedApplyResumes interrupts an apply with SIGINT, as Ctrl-C in
// a terminal does (the signal goes to the CLI's whole process group, and
// Terraform asks the provider to stop), while the new container's services
// settle; then applies again. A cancelled create must leave what a killed
// one leaves: no state for the resource (so nothing is tainted), the
// container with its deploying mark and its ports, which the next apply
// takes over and finishes: the same VMID, nothing destroyed or recreated, no
// allocation leaked, and an empty plan.
func TestInterruptedApplyResumes(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{})
	c := newCLI(t, sim, `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
}
`)
	client := simClient(t, sim)

	apply, out := c.command("apply", "-auto-approve", "-input=false", "-no-color")
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	// The services run: the create is in its last step, where it waits for
	// them to keep running for a few seconds.
	var ct pveclient.ClusterGuest
	waitFor(t, 2*time.Minute, "the app's services to run", func() bool {
		g, ok := guestNamed(t, client, "web")
		if !ok || g.Status != "running" {
			return false
		}
		ct = g
		return strings.Contains(inContainer(sim, g.Node, g.VMID, "docker ps"), " Up ")
	})
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := apply.Wait(); err == nil {
		t.Fatalf("the interrupted apply succeeded; it ended before the interrupt:\n%s", out)
	}
	t.Logf("interrupted apply of CT %d on %s:\n%s", ct.VMID, ct.Node, out)
	interrupted := strings.Join(strings.Fields(out.String()), " ") // the CLI wraps diagnostics
	for _, want := range []string{"cancelled", "check services", fmt.Sprintf("CT %d on %s", ct.VMID, ct.Node), "resume"} {
		if !strings.Contains(interrupted, want) {
			t.Errorf("the interrupted apply's error does not say %q", want)
		}
	}
	if got := c.stateList(); len(got) != 0 {
		t.Errorf("the cancelled create left %v in the state, want nothing (a tainted app is replaced)", got)
	}
	if g, ok := guestNamed(t, client, "web"); !ok || !hasTag(g, "px-deploying") {
		t.Errorf("after the cancel, CT %d is %+v, want it kept with its deploying mark", ct.VMID, g)
	}

	second := c.apply()
	if strings.Contains(second, "Destroying") || strings.Contains(second, "replace") {
		t.Errorf("the apply after the cancel destroyed or replaced the app:\n%s", second)
	}
	state := resourceValues(t, c, "proximity_application.web")
	if vmid, _ := state["vmid"].(float64); int(vmid) != ct.VMID {
		t.Errorf("the apply after the cancel finished CT %v, want CT %d, the one the cancelled run made", state["vmid"], ct.VMID)
	}
	if log := fmt.Sprint(state["deployment_log"]); !strings.Contains(log, "taking it over") {
		t.Errorf("the apply after the cancel did not take the container over; its log: %s", log)
	}
	if got := containersNamed(t, client, "web"); got != 1 {
		t.Errorf("%d containers named web, want 1", got)
	}
	allocs := allocations(t, filepath.Join(c.dir, "allocations.json"))
	if len(allocs) != 1 || float64(allocs[0].PublicPort) != state["public_port"] || float64(allocs[0].InternalPort) != state["internal_port"] {
		t.Errorf("allocations %+v, want only the app's pair %v/%v", allocs, state["public_port"], state["internal_port"])
	}
	c.planIsEmpty()
}

// guestNamed finds the guest with this hostname in the cluster listing.
func guestNamed(t testing.TB, client *pveclient.Client, name string) (pveclient.ClusterGuest, bool) {
	t.Helper()
	guests, err := client.ClusterGuests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range guests {
		if g.Name == name {
			return g, true
		}
	}
	return pveclient.ClusterGuest{}, false
}

func containersNamed(t testing.TB, client *pveclient.Client, name string) int {
	t.Helper()
	guests, err := client.ClusterGuests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range guests {
		if g.Name == name {
			n++
		}
	}
	return n
}

func hasTag(g pveclient.ClusterGuest, tag string) bool {
	for _, t := range g.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// inContainer runs a command in a container through the node's pct, as an
// administrator would; its output, empty when it fails.
func inContainer(sim *pvesim.Simulator, node string, vmid int, command string) string {
	var out strings.Builder
	code, err := sim.RunOnNode(context.Background(), node, fmt.Sprintf("pct exec %d -- sh -c %q", vmid, command), nil, &out, &out)
	if err != nil || code != 0 {
		return ""
	}
	return out.String()
}

// resourceValues reads a resource's attributes from `show -json`.
func resourceValues(t testing.TB, c *cli, address string) map[string]any {
	t.Helper()
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(c.must("show", "-json")), &shown); err != nil {
		t.Fatal(err)
	}
	for _, r := range shown.Values.RootModule.Resources {
		if r.Address == address {
			return r.Values
		}
	}
	t.Fatalf("%s is not in the state", address)
	return nil
}
