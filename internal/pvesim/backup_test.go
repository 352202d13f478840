package pvesim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var archiveRe = regexp.MustCompile(`^local:backup/vzdump-lxc-100-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.tar\.zst$`)

// runInCT runs a command inside a container through the node shell, as the provider will over SSH.
func runInCT(t *testing.T, sim *Simulator, node, script string) (int, string) {
	t.Helper()
	var out strings.Builder
	code, err := sim.RunOnNode(context.Background(), node, script, nil, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

func backups(t *testing.T, sim *Simulator, node string, vmid int) []map[string]any {
	t.Helper()
	items := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/"+node+"/storage/local/content",
		url.Values{"content": {"backup"}, "vmid": {itoa(vmid)}})))
	var out []map[string]any
	for _, it := range items {
		out = append(out, mustMap(t, it))
	}
	return out
}

func TestBackupAndRestore(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}, "hostname": {"notes"}})
	if code, out := runInCT(t, sim, "pve1", `pct exec 100 -- sh -c 'mkdir -p /srv/data && echo precious > /srv/data/file'`); code != 0 {
		t.Fatalf("writing a file in the container: %d %s", code, out)
	}

	for _, mode := range []string{"snapshot", "suspend", "stop"} {
		t.Run(mode, func(t *testing.T) {
			r := call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
				url.Values{"vmid": {"100"}, "storage": {"local"}, "mode": {mode}, "compress": {"zstd"}, "notes-template": {"{{guestname}} on {{node}}"}})
			upid := mustString(t, data(r))
			if tk, _ := parseUPID(upid); tk.Type != "vzdump" || tk.ID != "100" {
				t.Fatalf("UPID %s", upid)
			}
			if got := waitTask(t, sim, upid); got != "OK" {
				t.Fatalf("vzdump %s: %s", mode, got)
			}
			st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil)))
			if st["status"] != "running" || st["lock"] != nil {
				t.Errorf("after a %s backup the guest is %v with lock %v", mode, st["status"], st["lock"])
			}
			lines := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(upid)+"/log", url.Values{"limit": {"100"}})))
			var archiveLine string
			for _, l := range lines {
				if s := mustString(t, mustMap(t, l)["t"]); strings.Contains(s, "creating vzdump archive") {
					archiveLine = s
				}
			}
			if !strings.Contains(archiveLine, "/var/lib/vz/dump/vzdump-lxc-100-") {
				t.Errorf("log does not name the archive: %q", archiveLine)
			}
			time.Sleep(1100 * time.Millisecond) // archive names have one-second resolution
		})
	}
	list := backups(t, sim, "pve1", 100)
	if len(list) != 3 {
		t.Fatalf("%d backups, want 3", len(list))
	}
	b := list[0]
	if !archiveRe.MatchString(mustString(t, b["volid"])) || b["format"] != "tar.zst" || b["subtype"] != "lxc" || b["vmid"] != float64(100) ||
		b["notes"] != "notes on pve1" {
		t.Errorf("backup item %v", b)
	}
	if _, has := b["protected"]; has {
		t.Error("protected must be absent unless set")
	}
	volid := mustString(t, b["volid"])

	// Restore into a new guest on the same node: the file comes back.
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}, "unique": {"1"}})
	if tk, _ := parseUPID(mustString(t, data(r))); tk.Type != "vzrestore" {
		t.Fatalf("restore UPID %v", data(r))
	}
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("restore: %s", got)
	}
	call(t, sim, http.MethodPost, "/nodes/pve1/lxc/150/status/start", nil)
	waitFor(t, func() bool {
		return mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/status/current", nil)))["status"] == "running"
	})
	if code, out := runInCT(t, sim, "pve1", "pct exec 150 -- cat /srv/data/file"); code != 0 || out != "precious\n" {
		t.Errorf("restored file: %d %q", code, out)
	}
	orig := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil)))["net0"]
	restored := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil)))["net0"]
	if propertyValue(mustString(t, orig), "hwaddr") == propertyValue(mustString(t, restored), "hwaddr") {
		t.Error("unique=1 must give the restored guest a new MAC")
	}

	// Restore over a running guest fails; over a stopped one with force it works.
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}})
	if r.Reason != "can't overwrite running container" {
		t.Errorf("restore over running: %d %q", r.Status, r.Reason)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}})
	if r.Reason != "CT 100 already exists on node 'pve1'" {
		t.Errorf("restore without force: %d %q", r.Status, r.Reason)
	}
	waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/stop", nil))))
	runInCT(t, sim, "pve1", "true")
	// Without storage, create_vm's default 'local' holds no container disks.
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}})
	if r.Status != http.StatusBadRequest || mustMap(t, r.Body["errors"])["storage"] != "storage 'local' does not support container directories" {
		t.Errorf("restore without storage: %d %s", r.Status, r.Raw)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil); r.Status != http.StatusOK {
		t.Fatalf("a refused restore destroyed the guest: %d %s", r.Status, r.Reason)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("restore over stopped: %s", got)
	}
}

func TestBackupNotesProtectionAndDelete(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve2", 100, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve2/vzdump", url.Values{"vmid": {"100"}, "protected": {"1"}, "compress": {"zstd"}, "storage": {"local"}})
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	b := backups(t, sim, "pve2", 100)[0]
	if b["protected"] != float64(1) {
		t.Errorf("protected = %v", b["protected"])
	}
	volid := mustString(t, b["volid"])
	path := "/nodes/pve2/storage/local/content/" + url.PathEscape(volid)
	if r := call(t, sim, http.MethodPut, path, url.Values{"notes": {"before upgrade\nsecond line"}}); r.Status != 200 {
		t.Fatalf("notes: %s", r.Raw)
	}
	if got := backups(t, sim, "pve2", 100)[0]["notes"]; got != "before upgrade" {
		t.Errorf("list shows notes %q, want the first line", got)
	}
	r = call(t, sim, http.MethodDelete, path, nil)
	status := waitTask(t, sim, mustString(t, data(r)))
	if !strings.HasPrefix(status, "cannot remove protected archive '/var/lib/vz/dump/vzdump-lxc-100-") {
		t.Errorf("deleting a protected archive: %q", status)
	}
	call(t, sim, http.MethodPut, path, url.Values{"protected": {"0"}})
	if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodDelete, path, nil)))); got != "OK" {
		t.Fatalf("delete: %s", got)
	}
	if n := len(backups(t, sim, "pve2", 100)); n != 0 {
		t.Errorf("%d backups left", n)
	}
	if r := call(t, sim, http.MethodGet, path, nil); r.Status != 500 {
		t.Errorf("deleted volume still answers: %s", r.Raw)
	}
}

// TestBackupWaitsForGlobalLockAndFailsOnLockedGuest: vzdump runs one job per
// node, and a guest locked by another operation fails with PVE's message.
func TestBackupLocks(t *testing.T) {
	// Slow enough (a backup takes 0.6 s) that the checks below run while the first job holds the locks.
	sim := startSim(t, Options{TimeScale: 0.2})
	createCT(t, sim, "pve1", 100, nil)
	first := mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}})))
	time.Sleep(10 * time.Millisecond)
	if st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil))); st["lock"] != "backup" {
		t.Errorf("config lock during backup: %v", st["lock"])
	}
	// vm_start checks the lock in its worker, under lock_config (Status.pm).
	if r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil); r.Status != 200 ||
		waitTask(t, sim, mustString(t, data(r))) != "CT is locked (backup)" {
		t.Errorf("start during backup: %d %q, want a task failing 'CT is locked (backup)'", r.Status, r.Reason)
	}
	second := mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}})))
	if got := waitTask(t, sim, first); got != "OK" {
		t.Fatalf("first backup: %s", got)
	}
	if got := waitTask(t, sim, second); got != "OK" {
		t.Fatalf("second backup waited for the global lock and then ran: %s", got)
	}
	log := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(second)+"/log", nil)))
	waited := false
	for _, line := range log {
		waited = waited || strings.Contains(mustString(t, mustMap(t, line)["t"]), "trying to get global lock")
	}
	if !waited {
		t.Errorf("second job did not wait for the global lock: %v", log)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ = io.Discard

func TestExtractConfigFromBackup(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"blog"}, "tags": {"px-pub-8100;proximity"}, "description": {"two\nlines"}})
	if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
		url.Values{"vmid": {"100"}, "compress": {"zstd"}})))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	volid := mustString(t, backups(t, sim, "pve1", 100)[0]["volid"])
	r := call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {volid}})
	text, _ := data(r).(string)
	if r.Status != 200 || !strings.HasPrefix(text, "#two\n#lines\n") || !strings.Contains(text, "\nhostname: blog\n") ||
		!strings.Contains(text, "\ntags: proximity;px-pub-8100\n") {
		t.Errorf("extractconfig: %d %q", r.Status, text)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {"local:backup/nope.tar.zst"}}); r.Status != 500 {
		t.Errorf("a missing archive: %d %s", r.Status, r.Raw)
	}
}
