package pvesim

import (
	"net/http"
	"testing"
)

// TestNextIDHonoursDatacenterRange pins pve-manager API2/Cluster.pm
// nextid: the lowest free VMID within datacenter.cfg's next-id (lower
// included, upper excluded), PVE's message when none is free, and a vmid
// argument checked alone, outside the range too.
func TestNextIDHonoursDatacenterRange(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 1000, nil)
	if err := sim.cfs.WriteFile(datacenterCfgPath, []byte("next-id: lower=1000,upper=1002\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if got := mustString(t, data(call(t, sim, http.MethodGet, "/cluster/nextid", nil))); got != "1001" {
		t.Errorf("nextid = %s, want 1001", got)
	}
	createCT(t, sim, "pve1", 1001, nil)
	r := call(t, sim, http.MethodGet, "/cluster/nextid", nil)
	if r.Status != http.StatusInternalServerError || r.Reason != "unable to get any free VMID in range [1000, 1002]" {
		t.Errorf("range full: %d %s", r.Status, r.Reason)
	}
	if got := mustString(t, data(call(t, sim, http.MethodGet, "/cluster/nextid?vmid=150", nil))); got != "150" {
		t.Errorf("nextid?vmid=150 = %s, want 150 (the range does not apply)", got)
	}
}
