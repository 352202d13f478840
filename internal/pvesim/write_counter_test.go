package pvesim

import (
	"net/url"
	"testing"
)

// The write counter counts what a client changes and nothing it only reads:
// API GETs, cat over SSH and in a container, and a failed mkdir of a held
// lock are no writes; a PUT, a mkdir in /etc/pve, a file written over SSH or
// inside a container, and pct push are.
func TestWriteCounterCountsChangesOnly(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	ssh := func(script string) {
		t.Helper()
		if code, _, stderr := sshRun(t, sim, "pve1", script, ""); code != 0 {
			t.Fatalf("%s: exit %d: %s", script, code, stderr)
		}
	}
	sim.ResetStats()

	call(t, sim, "GET", "/nodes/pve1/lxc/101/config", nil)
	call(t, sim, "GET", "/cluster/resources", nil)
	ssh("cat /etc/pve/nodes/pve1/lxc/101.conf >/dev/null; ls /etc/pve/priv >/dev/null")
	ssh("mkdir -p /etc/pve/priv") // exists: nothing changes
	ssh("pct exec 101 -- cat /etc/os-release >/dev/null")
	ssh("pct config 101 >/dev/null")
	if got := sim.Stats(); got.WriteCount() != 0 {
		t.Fatalf("reads counted as writes: %v", got.Writes)
	}

	call(t, sim, "PUT", "/nodes/pve1/lxc/101/config", url.Values{"description": {"x"}})
	ssh("mkdir /etc/pve/priv/lock/proximity-ports")
	ssh("mkdir /etc/pve/priv/lock/proximity-ports 2>/dev/null || true") // held: no change
	ssh("echo hi > /root/note")
	ssh("pct exec 101 -- sh -c 'echo hi > /root/note'")
	ssh("pct push 101 /root/note /root/pushed")
	want := map[string]int{
		"api PUT /nodes/{node}/lxc/{vmid}/config":           1,
		"ssh pve1 mkdir /etc/pve/priv/lock/proximity-ports": 1,
		"ssh pve1 write /root/note":                         1,
		"ct 101 write /root/note":                           1,
		"ct 101 pct push /root/pushed":                      1,
	}
	got := sim.Stats().Writes
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("%s counted %d times, want %d (all: %v)", kind, got[kind], n, got)
		}
	}
	if total := sim.Stats().WriteCount(); total != len(want) {
		t.Errorf("%d writes, want %d: %v", total, len(want), got)
	}
}
