package pvesim

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkStatusReads measures GET .../status/current over HTTPS with
// keep-alive from parallel clients (goal: at least 2,000 reads/s on 2 cores).
func BenchmarkStatusReads(b *testing.B) {
	sim := startSim(b, Options{})
	createCT(b, sim, "pve1", 100, nil)
	client := httpClient(b, sim)
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	token := "PVEAPIToken=" + sim.Info().APIToken
	url := sim.Endpoint() + apiPrefix + "/nodes/pve1/lxc/100/status/current"
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
}

// BenchmarkStartup measures New, Start (API and three SSH listeners) and Close
// (goal: under 200 ms).
func BenchmarkStartup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sim, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sim.Start(); err != nil {
			b.Fatal(err)
		}
		if err := sim.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
