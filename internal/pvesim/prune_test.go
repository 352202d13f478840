package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// vzdump prunes after each backup with the storage's prune-backups
// (pve-manager PVE/VZDump.pm exec_backup_task, "prune older backups with
// retention: ..."; pve-storage Plugin.pm prune_backups and Storage.pm
// prune_mark_backup_group): with keep-last=1 only the newest unprotected
// backup stays, a protected one is never removed, and remove=0 prunes
// nothing.
func TestVzdumpPrunesByTheStorageRetention(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.01})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"pruned"}})
	onNode(t, sim, "pve1", "pvesm set local --prune-backups keep-last=1")
	backup := func(extra url.Values) string {
		t.Helper()
		params := url.Values{"vmid": {"100"}, "storage": {"local"}, "compress": {"zstd"}}
		for k, v := range extra {
			params[k] = v
		}
		upid := mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", params)))
		if got := waitTask(t, sim, upid); got != "OK" {
			t.Fatalf("vzdump: %s", got)
		}
		return taskLog(t, sim, "pve1", upid)
	}
	backup(url.Values{"protected": {"1"}})
	first := backup(nil)
	if !strings.Contains(first, "INFO: prune older backups with retention: keep-last=1\n") || !strings.Contains(first, "INFO: pruned 0 backup(s)\n") {
		t.Errorf("first log:\n%s", first)
	}
	second := backup(nil)
	if !strings.Contains(second, "INFO: removing backup 'local:backup/vzdump-lxc-100-") ||
		!strings.Contains(second, "INFO: pruned 1 backup(s) not covered by keep-retention policy\n") {
		t.Errorf("second log:\n%s", second)
	}
	if got := backups(t, sim, "pve1", 100); len(got) != 2 {
		t.Errorf("%d backups after pruning, want the protected one and the newest: %v", len(got), got)
	}
	if log := backup(url.Values{"remove": {"0"}}); strings.Contains(log, "prune older backups") {
		t.Errorf("remove=0 pruned:\n%s", log)
	}
	if got := backups(t, sim, "pve1", 100); len(got) != 3 {
		t.Errorf("%d backups after remove=0, want 3", len(got))
	}
}

// pruneMark keeps, per option, the newest backup of as many periods as it
// counts, after those the options before it kept.
func TestPruneMark(t *testing.T) {
	day := int64(86400)
	base := int64(1_760_000_000) // a moment well inside a day in every zone
	vols := []*volume{{VolID: "a", CTime: base}, {VolID: "b", CTime: base + 60}, {VolID: "c", CTime: base - day}, {VolID: "d", CTime: base - 2*day}}
	var removed []string
	for _, v := range pruneMark(vols, map[string]int{"keep-last": 1, "keep-daily": 2}) {
		removed = append(removed, v.VolID)
	}
	// b is the last; a shares b's day, which keep-last took; c and d are
	// the two newest other days.
	if strings.Join(removed, ",") != "a" {
		t.Errorf("removed %v, want [a]", removed)
	}
}
