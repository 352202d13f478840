package pvesim

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Network.pm create_network, update_network and delete_network each run
// their read-change-write of /etc/network/interfaces.new under
// PVE::Tools::lock_file($iflockfn, 10, ...) with $iflockfn =
// "/etc/network/.pve-interfaces.lock" (pve-manager PVE/API2/Network.pm lines
// 25, 650, 752, 919). Bridges created at the same time (a client creating
// several in parallel) must all be there afterwards.
func TestNetworkChangesAreSerialized(t *testing.T) {
	sim := startSim(t, Options{})
	const count = 12
	var wg sync.WaitGroup
	statuses := make([]int, count)
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, sim, http.MethodPost, "/nodes/pve1/network", url.Values{
				"iface": {fmt.Sprintf("vmbr%d", i+1)}, "type": {"bridge"}, "autostart": {"1"},
			})
			statuses[i] = r.Status
			if r.Status != 200 {
				t.Logf("%d %s", r.Status, r.Reason)
			}
		}()
	}
	wg.Wait()
	list := data(call(t, sim, http.MethodGet, "/nodes/pve1/network", url.Values{"type": {"bridge"}}))
	for i := range count {
		name := fmt.Sprintf("vmbr%d", i+1)
		if statuses[i] != 200 {
			t.Errorf("POST %s: %d", name, statuses[i])
		}
		if findIface(list, name) == nil {
			t.Errorf("%s lost: a concurrent create overwrote interfaces.new", name)
		}
	}
}

// A script holding the lock file with flock(1) makes the API wait, and after
// lock_file's 10 s it dies "can't lock file '<file>' - got timeout"
// (pve-common src/PVE/Tools.pm lock_file_full and run_with_timeout), which
// create_network passes on as a 500 ("die $@ if $@"). lock_file opens the
// file with '>>', so it exists afterwards.
func TestNetworkLockHeldByScript(t *testing.T) {
	sim := startSim(t, Options{})
	held := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		// 2000 s simulated is 2 s here: far longer than the API's 10 s.
		sshRun(t, sim, "pve1", "flock /etc/network/.pve-interfaces.lock sh -c 'touch /tmp/held; sleep 2000'", "")
	}()
	go func() {
		defer close(held)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if code, _, _ := sshRun(t, sim, "pve1", "test -e /tmp/held", ""); code == 0 {
				return
			}
		}
		t.Error("the script never held the lock")
	}()
	<-held
	r := call(t, sim, http.MethodPost, "/nodes/pve1/network", url.Values{"iface": {"vmbr7"}, "type": {"bridge"}})
	if want := "can't lock file '/etc/network/.pve-interfaces.lock' - got timeout"; r.Status != 500 || r.Reason != want {
		t.Errorf("POST while the lock is held: %d %q, want 500 %q", r.Status, r.Reason, want)
	}
	<-done
	r = call(t, sim, http.MethodPost, "/nodes/pve1/network", url.Values{"iface": {"vmbr7"}, "type": {"bridge"}})
	if r.Status != 200 {
		t.Errorf("POST after the lock was released: %d %s", r.Status, r.Reason)
	}
}
