package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// TestAplinfoDownloadDisabledStorage: apl_download (pve-manager
// PVE/API2/Nodes.pm, stable-8 and master) takes the storage through
// PVE::Storage::storage_check_enabled, which dies "storage 'ID' is
// disabled" before any worker starts; the template check comes first.
func TestAplinfoDownloadDisabledStorage(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		sim := startSim(t, Options{PVEVersion: release, Nodes: 1})
		if r := call(t, sim, http.MethodPut, "/storage/local", url.Values{"disable": {"1"}}); r.Status != 200 {
			t.Fatalf("%s disable: %d %s", release, r.Status, r.Raw)
		}
		name := appliancesFor(release)[0].template
		r := call(t, sim, http.MethodPost, "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {name}})
		if r.Status != 500 || r.Reason != "storage 'local' is disabled" {
			t.Errorf("%s download to a disabled storage: %d %q %s", release, r.Status, r.Reason, r.Raw)
		}
		r = call(t, sim, http.MethodPost, "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {"nope.tar.xz"}})
		if r.Status != 400 {
			t.Errorf("%s unknown template still a parameter error first: %d %s", release, r.Status, r.Raw)
		}
	}
}
