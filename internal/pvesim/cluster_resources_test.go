package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// TestClusterResourcesStorageStatus follows pve-manager PVE/API2/Cluster.pm
// resources (stable-8 and master): each storage gets an entry per node only
// where PVE::Storage::storage_check_enabled($cfg, $storeid, $node, 1) passes,
// so a disabled storage, or one limited to other nodes, is not listed at all;
// PVE/API2Tools.pm extract_storage_stats starts every entry as status
// "unknown" without sizes and makes it "available" with disk and maxdisk
// only from the node's storage RRD, which pvestatd update_storage_status
// writes for active storages alone (a cifs share the node cannot mount).
func TestClusterResourcesStorageStatus(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		sim := startSim(t, Options{PVEVersion: release, Nodes: 2})
		runInCTNode(t, sim, "pve1",
			`printf '\ncifs: smb\n\tpath /mnt/pve/smb\n\tserver 10.0.0.7\n\tshare backups\n\tcontent backup\n\tusername svc\n' >> /etc/pve/storage.cfg`)
		if r := call(t, sim, http.MethodPost, "/storage",
			url.Values{"storage": {"only2"}, "type": {"dir"}, "path": {"/srv/only2"}, "content": {"iso"}, "nodes": {"pve2"}}); r.Status != 200 {
			t.Fatalf("%s add only2: %d %s", release, r.Status, r.Raw)
		}
		if r := call(t, sim, http.MethodPut, "/storage/local-lvm", url.Values{"disable": {"1"}}); r.Status != 200 {
			t.Fatalf("%s disable: %d %s", release, r.Status, r.Raw)
		}
		entries := map[string]map[string]any{}
		for _, item := range mustSlice(t, data(call(t, sim, http.MethodGet, "/cluster/resources", url.Values{"type": {"storage"}}))) {
			e := mustMap(t, item)
			entries[mustString(t, e["id"])] = e
		}
		if e := entries["storage/pve1/local"]; e == nil || e["status"] != "available" || e["maxdisk"] == nil || e["disk"] == nil ||
			e["plugintype"] != "dir" {
			t.Errorf("%s local: %v", release, e)
		}
		for _, id := range []string{"storage/pve1/local-lvm", "storage/pve2/local-lvm", "storage/pve1/only2"} {
			if e := entries[id]; e != nil {
				t.Errorf("%s %s is listed: %v", release, id, e)
			}
		}
		if e := entries["storage/pve2/only2"]; e == nil || e["status"] != "available" {
			t.Errorf("%s only2 on its node: %v", release, e)
		}
		e := entries["storage/pve1/smb"]
		if _, hasDisk := e["disk"]; e == nil || e["status"] != "unknown" || hasDisk || e["maxdisk"] != nil || e["plugintype"] != "cifs" ||
			e["content"] != "backup" {
			t.Errorf("%s cifs that cannot be activated: %v", release, e)
		}
	}
}
