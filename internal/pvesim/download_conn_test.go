package pvesim

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every fetch of download-url and query-url-metadata is a process of its own
// on PVE (wget in Tools.pm download_file_from_url, a fresh LWP::UserAgent in
// Nodes.pm query_url_metadata), so its connection ends with it. The
// simulator's client must close it too: an idle keep-alive connection in a
// transport nobody uses again is a goroutine pair that lives until the
// remote server hangs up, whatever the simulator's context says.
func TestURLFetchesCloseTheirConnections(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("iso9660"))
	}))
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	r := call(t, sim, http.MethodGet, "/nodes/pve1/query-url-metadata", url.Values{"url": {srv.URL + "/a.iso"}})
	if r.Status != 200 {
		t.Fatalf("query-url-metadata: %d %s", r.Status, r.Reason)
	}
	if _, status := postDownload(t, sim, url.Values{"url": {srv.URL + "/a.iso"}, "content": {"iso"}, "filename": {"a.iso"}}); status != "OK" {
		t.Fatalf("download-url: %q", status)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connection(s) to the server still open after the fetches ended", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wget writes the body to the storage until its file system is full, then
// fails ("download failed: " and wget's write error, pve-common
// src/PVE/Tools.pm download_file_from_url with run_command's errmsg). The
// simulator keeps no bytes but counts them against the storage's room, so a
// body that never ends (a stream, a misconfigured server) ends the task when
// the storage would be full instead of running until the simulator stops.
func TestDownloadURLEndsWhenTheStorageIsFull(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	sim.mu.Lock()
	local := sim.nodeByName("pve1").Storages["local"]
	filler := &volume{VolID: "local:iso/filler.iso", Content: "iso", Format: "iso"}
	filler.Size = sim.storageFree(local) - mib
	local.Volumes[filler.VolID] = filler
	sim.mu.Unlock()

	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64*1024)
		for {
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			default:
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	// Cleanups run last first: the handler stops before the server closes.
	t.Cleanup(func() { close(stop) })

	r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/local/download-url",
		url.Values{"url": {srv.URL + "/endless.iso"}, "content": {"iso"}, "filename": {"endless.iso"}})
	if r.Status != 200 {
		t.Fatalf("download-url: %d %s", r.Status, r.Reason)
	}
	tk, err := sim.findTask("pve1", mustString(t, data(r)))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-tk.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the download of an endless body still runs after 10 s")
	}
	status := waitTask(t, sim, mustString(t, data(r)))
	if !strings.HasPrefix(status, "download failed: ") || !strings.HasSuffix(status, " - write error: No space left on device") {
		t.Errorf("status %q", status)
	}
	if localVolume(sim, "local:iso/endless.iso") != nil {
		t.Error("the failed download left a volume")
	}
}
