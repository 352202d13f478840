package pvesim

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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
