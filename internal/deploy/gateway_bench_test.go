package deploy

import (
	"context"
	"fmt"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// BenchmarkGatewaySync100 measures one route re-sync of a gateway serving
// 100 applications on three nodes after one of them got a new address (a
// restart out of band, outside the timer): the API requests (two cluster
// listings, one address read per app), the SSH sessions (one: the
// configuration's compare, push, check and reload) and the wall time.
func BenchmarkGatewaySync100(b *testing.B) {
	sim := pvesimtest.Start(b, pvesim.Options{TimeScale: 0.001})
	d := benchService(b, sim)
	const apps = 100
	created := make([]Created, apps)
	parallel(b, apps, func(i int) error {
		var err error
		spec := Spec{CatalogID: "it-tools", Hostname: fmt.Sprintf("app%d", i), Node: fmt.Sprintf("pve%d", i%3+1)}
		created[i], err = d.Create(context.Background(), spec, func(App) {})
		return err
	})
	ctx := context.Background()
	gw, err := d.CreateGateway(ctx, GatewaySpec{Hostname: "gw", Node: "pve1", Identity: NewIdentity()})
	if err != nil || len(gw.Routes) != apps {
		b.Fatalf("gateway: %v, %d routes", err, len(gw.Routes))
	}
	b.ResetTimer()
	var requests, sessions, reloads int
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		app := created[n%apps]
		if err := d.Client.StopGuest(ctx, app.Node, app.VMID); err != nil {
			b.Fatal(err)
		}
		if err := d.Client.StartGuest(ctx, app.Node, app.VMID); err != nil {
			b.Fatal(err)
		}
		sim.ResetStats()
		b.StartTimer()
		sync, err := d.SyncGateway(ctx)
		if err != nil || len(sync.Routes) != apps {
			b.Fatalf("sync: %v, %d routes", err, len(sync.Routes))
		}
		st := sim.Stats()
		requests += total(st)
		for _, s := range st.SSHSessions {
			sessions += s
		}
		reloads += len(sync.Reloaded)
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/sync")
	b.ReportMetric(float64(sessions)/float64(b.N), "ssh-sessions/sync")
	b.ReportMetric(float64(reloads)/float64(b.N), "reloads/sync")
}
