package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// GET /nodes/{node}/vzdump/defaults (pve-manager PVE/API2/VZDump.pm
// defaults) answers read_vzdump_defaults: the schema defaults, vzdump.conf
// over them, the storage asked or vzdump.conf's or local, and that
// storage's dumpdir and prune-backups (storage_info) over vzdump.conf's.
func TestVzdumpDefaults(t *testing.T) {
	sim := startSim(t, Options{})
	get := func(q url.Values) map[string]any {
		t.Helper()
		return mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/defaults", q)))
	}
	d := get(nil)
	if d["storage"] != "local" || d["prune-backups"] != "keep-all=1" || d["mode"] != "snapshot" || d["remove"] != float64(1) ||
		d["dumpdir"] != "/var/lib/vz/dump" || d["lockwait"] != float64(180) {
		t.Errorf("defaults without vzdump.conf: %v", d)
	}
	onNode(t, sim, "pve1", "pvesm add dir nas --path /srv/nas --content backup && "+
		"printf '# site defaults\\nstorage: nas\\nprune-backups: keep-last=3,keep-daily=7\\n' > /etc/vzdump.conf")
	if d := get(nil); d["storage"] != "nas" || d["prune-backups"] != "keep-daily=7,keep-last=3" || d["dumpdir"] != "/srv/nas/dump" {
		t.Errorf("defaults from vzdump.conf: %v", d)
	}
	// The storage's own retention wins over vzdump.conf's (VZDump->new).
	onNode(t, sim, "pve1", "pvesm set nas --prune-backups keep-last=1")
	if d := get(url.Values{"storage": {"nas"}}); d["prune-backups"] != "keep-last=1" {
		t.Errorf("defaults for nas: %v", d)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/defaults", url.Values{"storage": {"local-lvm"}}); r.Status != 500 ||
		!strings.Contains(r.Reason, "can't use storage 'local-lvm' for backups - wrong content type") {
		t.Errorf("defaults for local-lvm: %d %s", r.Status, r.Reason)
	}
}

// vzdump without a storage uses vzdump.conf's (VZDump->new takes
// storage from the defaults when neither storage nor dumpdir is given), and
// prunes by vzdump.conf's prune-backups where the storage sets none.
func TestVzdumpFollowsVzdumpConf(t *testing.T) {
	sim := startSim(t, Options{TimeScale: 0.01})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"conf"}})
	onNode(t, sim, "pve1", "pvesm add dir nas --path /srv/nas --content backup && "+
		"printf 'storage: nas\\nprune-backups: keep-last=1\\n' > /etc/vzdump.conf")
	for i := 0; i < 2; i++ {
		upid := mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}})))
		if got := waitTask(t, sim, upid); got != "OK" {
			t.Fatalf("vzdump: %s", got)
		}
	}
	items := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/nas/content", url.Values{"content": {"backup"}})))
	if len(items) != 1 {
		t.Errorf("%d backups on nas, want the newest one of two: %v", len(items), items)
	}
}
