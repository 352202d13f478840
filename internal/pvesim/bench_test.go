package pvesim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkStatusReads measures GET .../status/current over HTTPS with
// keep-alive from parallel clients (goal: at least 2,000 reads/s on 2 cores),
// with root@pam's token (no ACL walk), the README's PVEAdmin token, and a
// privsep token whose privileges are intersected with its user's.
func BenchmarkStatusReads(b *testing.B) {
	for _, who := range []string{"root-token", "pveadmin-token", "privsep-token"} {
		b.Run(who, func(b *testing.B) { benchmarkStatusReads(b, who) })
	}
}

func benchmarkStatusReads(b *testing.B, who string) {
	sim := startSim(b, Options{})
	createCT(b, sim, "pve1", 100, nil)
	client := httpClient(b, sim)
	mustTransport(b, client.Transport).MaxIdleConnsPerHost = 64
	token := "PVEAPIToken=" + sim.Info().APIToken
	switch who {
	case "pveadmin-token":
		token = "PVEAPIToken=" + sim.Info().PVEAdminAPIToken
	case "privsep-token":
		var out strings.Builder
		_, _ = sim.RunOnNode(context.Background(), "pve1",
			"pveum user token add terraform@pve sep --output-format json && pveum acl modify /vms/100 --tokens terraform@pve!sep --roles PVEAuditor", nil,
			&out, io.Discard)
		var created struct {
			ID    string `json:"full-tokenid"`
			Value string `json:"value"`
		}
		_ = json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &created)
		token = "PVEAPIToken=" + created.ID + "=" + created.Value
	}
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

// BenchmarkPermissionCheck is what every request pays for access control:
// finding the current access state (three file versions) and evaluating the
// route's check, here VM.Audit on /vms/100 for the PVEAdmin token. Compare
// its time with a status read's (1 / reads per second per core).
func BenchmarkPermissionCheck(b *testing.B) {
	sim := startSim(b, Options{})
	route, _ := sim.routes.match([]string{"nodes", "pve1", "lxc", "100", "status", "current"})
	perms := route.perms[http.MethodGet]
	id, _, _ := strings.Cut(sim.Info().PVEAdminAPIToken, "=")
	params := map[string]string{"node": "pve1", "vmid": "100"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := sim.access().checkAPI2(perms, id, params); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
