package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// poolOf is CT vmid's pool in /cluster/resources as token sees it, "" when
// the entry has none.
func poolOf(t *testing.T, sim *Simulator, token string, vmid int) string {
	t.Helper()
	for _, v := range mustSlice(t, data(callAs(t, sim, token, http.MethodGet, "/cluster/resources?type=vm", nil))) {
		item := mustMap(t, v)
		if int(mustFloat(t, item["vmid"])) == vmid {
			pool, _ := item["pool"].(string)
			return pool
		}
	}
	t.Fatalf("CT %d not listed", vmid)
	return ""
}

// TestPoolsAsPoolPmKeepsThem pins pve-manager PVE/API2/Pool.pm (8.x and
// 9.x alike): create_pool, update_pool through both PUT forms (a guest
// already in the pool, one of another pool without allow-move, a removal
// of a non-member), delete_pool of a pool that is not empty, and the
// listing's pool field, which Cluster.pm resources shows only with
// Pool.Audit on the pool.
func TestPoolsAsPoolPmKeepsThem(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: release})
			admin := sim.Info().PVEAdminAPIToken
			createCT(t, sim, "pve1", 100, nil)
			for _, p := range []string{"apps", "media"} {
				if r := callAs(t, sim, admin, http.MethodPost, "/pools", url.Values{"poolid": {p}}); r.Status != http.StatusOK {
					t.Fatalf("create pool %s: %d %s", p, r.Status, r.Reason)
				}
			}
			r := callAs(t, sim, admin, http.MethodPost, "/pools", url.Values{"poolid": {"apps"}})
			if r.Reason != "create pool failed: pool 'apps' already exists" {
				t.Errorf("a second create: %d %s", r.Status, r.Reason)
			}
			put := func(path string, form url.Values) apiResponse {
				return callAs(t, sim, admin, http.MethodPut, path, form)
			}
			if r := put("/pools/apps", url.Values{"vms": {"100"}}); r.Status != http.StatusOK {
				t.Fatalf("add CT 100: %d %s", r.Status, r.Reason)
			}
			if got := poolOf(t, sim, admin, 100); got != "apps" {
				t.Errorf("listed pool %q, want apps", got)
			}
			for _, tc := range []struct {
				path string
				form url.Values
				want string
			}{
				{"/pools/apps", url.Values{"vms": {"100"}}, "update pools failed: VM 100 is already a pool member"},
				{"/pools", url.Values{"poolid": {"media"}, "vms": {"100"}},
					"update pools failed: VM 100 belongs already to pool 'apps' and 'allow-move' is not set"},
				{"/pools", url.Values{"poolid": {"media"}, "vms": {"100"}, "delete": {"1"}}, "update pools failed: VM 100 is not a pool member"},
				{"/pools/nope", url.Values{"vms": {"100"}}, "update pools failed: pool 'nope' does not exist"},
			} {
				if r := put(tc.path, tc.form); r.Status != http.StatusInternalServerError || r.Reason != tc.want {
					t.Errorf("PUT %s %v: %d %s, want 500 %s", tc.path, tc.form, r.Status, r.Reason, tc.want)
				}
			}
			r = callAs(t, sim, admin, http.MethodDelete, "/pools/apps", nil)
			if r.Reason != "delete pool failed: pool 'apps' is not empty (contains VM 100)" {
				t.Errorf("delete a pool with a guest: %d %s", r.Status, r.Reason)
			}
			if r := put("/pools", url.Values{"poolid": {"media"}, "vms": {"100"}, "allow-move": {"1"}}); r.Status != http.StatusOK {
				t.Fatalf("move with allow-move: %d %s", r.Status, r.Reason)
			}
			if got := poolOf(t, sim, admin, 100); got != "media" {
				t.Errorf("after the move: pool %q, want media", got)
			}
			// VM.Audit without Pool.Audit: the guest is listed, its pool is not.
			auditor := tokenFor(t, sim, "vmaudit@pve", "PVEVMUser")
			if got := poolOf(t, sim, auditor, 100); got != "" {
				t.Errorf("without Pool.Audit the listing shows pool %q", got)
			}
			if r := callAs(t, sim, auditor, http.MethodPut, "/pools/media", url.Values{"vms": {"100"}, "delete": {"1"}}); r.Status != http.StatusForbidden {
				t.Errorf("update without Pool.Allocate: %d %s", r.Status, r.Reason)
			}
			if r := callAs(t, sim, admin, http.MethodDelete, "/pools?poolid=apps", nil); r.Status != http.StatusOK {
				t.Errorf("delete the empty pool: %d %s", r.Status, r.Reason)
			}
		})
	}
}
