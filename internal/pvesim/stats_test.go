package pvesim

import (
	"net/url"
	"testing"
)

// GuestBusy adds up the simulated time of a guest's tasks and commands.
func TestGuestBusyCountsTasksAndCommands(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	afterCreate := sim.Stats().GuestBusy[101]
	if afterCreate < 2 { // vzcreate extracts for 2 s, and the start takes its own time
		t.Fatalf("busy %.1f s after create and start", afterCreate)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- sleep 3", ""); code != 0 {
		t.Fatal(stderr)
	}
	if got := sim.Stats().GuestBusy[101] - afterCreate; got != 3 {
		t.Errorf("sleep 3 in the container counted %.1f s", got)
	}
	if _, ok := sim.Stats().GuestBusy[102]; ok {
		t.Error("a guest that does not exist was busy")
	}
}
