package pvesim

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var pbsVolidRe = regexp.MustCompile(`^pbs:backup/ct/100/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func taskLog(t *testing.T, sim *Simulator, node, upid string) string {
	t.Helper()
	lines := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/"+node+"/tasks/"+url.PathEscape(upid)+"/log", url.Values{"limit": {"1000"}})))
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(mustString(t, mustMap(t, l)["t"]) + "\n")
	}
	return b.String()
}

// vzdump to a PBS storage names the backup as PBS does, "ct/<vmid>/<UTC
// time>" (pve-manager PVE/VZDump.pm exec_backup_task $pbs_snapshot_name),
// logs "creating Proxmox Backup Server archive" (same function), lists it
// with its PBS volid from every node (pve-storage PBSPlugin.pm list_volumes:
// format pbs-ct, subtype lxc), and a container restores from it.
func TestPBSBackupAndRestore(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"pbs"}, "type": {"pbs"}, "server": {"10.0.0.9"}, "datastore": {"store1"}, "password": {"x"}}); r.Status != 200 {
		t.Fatalf("create pbs: %d %s", r.Status, r.Raw)
	}
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"web"}})
	upid := mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
		url.Values{"vmid": {"100"}, "storage": {"pbs"}, "mode": {"snapshot"}})))
	if got := waitTask(t, sim, upid); got != "OK" {
		t.Fatalf("vzdump: %s\n%s", got, taskLog(t, sim, "pve1", upid))
	}
	log := taskLog(t, sim, "pve1", upid)
	if !regexp.MustCompile(`INFO: creating Proxmox Backup Server archive 'ct/100/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z'`).MatchString(log) {
		t.Errorf("task log:\n%s", log)
	}
	if strings.Contains(log, "archive file size") || !strings.Contains(log, "to 'root@pam@10.0.0.9:store1' as root.pxar.didx") {
		t.Errorf("task log of a PBS backup:\n%s", log)
	}
	items := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/storage/pbs/content", url.Values{"content": {"backup"}})))
	if len(items) != 1 {
		t.Fatalf("pbs content from pve2: %v", items)
	}
	item := mustMap(t, items[0])
	volid, _ := item["volid"].(string)
	if !pbsVolidRe.MatchString(volid) || item["format"] != "pbs-ct" || item["subtype"] != "lxc" || item["vmid"] != float64(100) {
		t.Fatalf("pbs volume: %v", item)
	}
	// PBSPlugin.pm path: an artificial pbs:// URL of the repository.
	vol := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/pbs/content/"+volid, nil)))
	if want := "pbs://root@pam@10.0.0.9:store1/" + strings.TrimPrefix(volid, "pbs:backup/"); vol["path"] != want {
		t.Errorf("path %v, want %s", vol["path"], want)
	}
	conf := call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {volid}})
	if conf.Status != 200 || !strings.Contains(mustString(t, data(conf)), "hostname: web") {
		t.Errorf("extractconfig: %d %s", conf.Status, conf.Raw)
	}
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"200"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
	if r.Status != 200 {
		t.Fatalf("restore from PBS: %d %s", r.Status, r.Raw)
	}
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("restore task: %s", got)
	}
}

// A backup storage that is disabled or does not take backups fails the
// vzdump task, not the call (VZDump.pm new: activate_storage and
// storage_info errors are collected and die in the worker).
func TestVzdumpStorageChecksInTask(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 100, nil)
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"off"}, "type": {"dir"}, "path": {"/mnt/off"}, "content": {"backup"},
		"disable": {"1"}})
	cases := map[string]string{
		"off":       "could not activate storage 'off': storage 'off' is disabled",
		"local-lvm": "could not get storage information for 'local-lvm': can't use storage 'local-lvm' for backups - wrong content type",
		"nope":      "could not activate storage 'nope': storage 'nope' does not exist",
	}
	for storage, want := range cases {
		r := call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}, "storage": {storage}})
		if r.Status != 200 {
			t.Errorf("vzdump to %s: %d %s (PVE fails the task, not the call)", storage, r.Status, r.Reason)
			continue
		}
		if got := waitTask(t, sim, mustString(t, data(r))); got != want {
			t.Errorf("vzdump to %s: %q, want %q", storage, got, want)
		}
	}
}

// A shared storage's volumes survive a restart of the simulator as one set
// (the state file keeps each node's view; they are merged again).
func TestPBSBackupsSurviveRestart(t *testing.T) {
	path := t.TempDir() + "/cluster.json"
	first, err := New(Options{StatePath: path, TimeScale: 0.001, Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	call(t, first, http.MethodPost, "/storage", url.Values{"storage": {"pbs"}, "type": {"pbs"}, "server": {"10.0.0.9"}, "datastore": {"store1"}})
	createCT(t, first, "pve2", 100, nil)
	if got := waitTask(t, first, mustString(t, data(call(t, first, http.MethodPost, "/nodes/pve2/vzdump",
		url.Values{"vmid": {"100"}, "storage": {"pbs"}})))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := startSim(t, Options{StatePath: path, Nodes: 2})
	items := mustSlice(t, data(call(t, second, http.MethodGet, "/nodes/pve1/storage/pbs/content", nil)))
	if len(items) != 1 || !pbsVolidRe.MatchString(mustString(t, mustMap(t, items[0])["volid"])) {
		t.Fatalf("pbs content after restart: %v", items)
	}
	second.mu.Lock()
	same := second.nodeByName("pve1").Storages["pbs"] == second.nodeByName("pve2").Storages["pbs"]
	second.mu.Unlock()
	if !same {
		t.Error("after a restart the nodes no longer share the PBS volume set")
	}
}
