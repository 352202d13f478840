package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func total(s pvesim.Stats) int {
	n := 0
	for _, c := range s.Requests {
		n += c
	}
	return n
}

// BenchmarkRequestsPerApplication counts the API requests of one create
// (task polls included, at the simulator's default durations), one read and
// one delete. Run it with -benchtime=1x: a create takes about 20 simulated
// seconds, in real time.
func BenchmarkRequestsPerApplication(b *testing.B) {
	sim := pvesimtest.Start(b, pvesim.Options{TimeScale: 1})
	d := benchService(b, sim)
	var creates, reads, deletes int
	for i := 0; i < b.N; i++ {
		before := total(sim.Stats())
		app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "bench"}, func(App) {})
		if err != nil {
			b.Fatal(err)
		}
		afterCreate := total(sim.Stats())
		if _, err := d.ObserveCheap(context.Background(), app.Node, app.VMID, true); err != nil {
			b.Fatal(err)
		}
		afterRead := total(sim.Stats())
		if err := d.Destroy(context.Background(), app.Node, app.VMID, app.AllocationID); err != nil {
			b.Fatal(err)
		}
		creates += afterCreate - before
		reads += afterRead - afterCreate
		deletes += total(sim.Stats()) - afterRead
	}
	b.ReportMetric(float64(creates)/float64(b.N), "requests/create")
	b.ReportMetric(float64(reads)/float64(b.N), "requests/read")
	b.ReportMetric(float64(deletes)/float64(b.N), "requests/delete")
}

// BenchmarkRefresh100 counts the API requests of refreshing 100 running
// applications on three nodes the way Terraform does, ten at a time,
// sharing one cluster listing (goal: at most 1.1 per application).
func BenchmarkRefresh100(b *testing.B) { benchRefresh(b, false) }

// BenchmarkRefresh100Services is BenchmarkRefresh100 reading each app's
// compose services too, as a refresh does with SSH configured, and runs
// each app's health check: the same API requests, plus one SSH session per
// node (goal: at most 3).
func BenchmarkRefresh100Services(b *testing.B) { benchRefresh(b, true) }

func benchRefresh(b *testing.B, services bool) {
	sim := pvesimtest.Start(b, pvesim.Options{TimeScale: 0.001})
	d := benchService(b, sim)
	const apps = 100
	created := make([]Created, apps)
	parallel(b, apps, func(i int) error {
		var err error
		spec := Spec{CatalogID: "it-tools", Hostname: fmt.Sprintf("app%d", i), Node: fmt.Sprintf("pve%d", i%3+1)}
		if services {
			spec.HealthPath = "/" // a health check too, run by the same read
		}
		created[i], err = d.Create(context.Background(), spec, func(App) {})
		return err
	})
	b.ResetTimer()
	var requests, sessions int
	for n := 0; n < b.N; n++ {
		d.Snapshot = &pveclient.GuestSnapshot{Client: d.Client, MaxAge: 10 * time.Second}
		d.Services = &ServicesCache{}
		sim.ResetStats()
		parallel(b, apps, func(i int) error {
			node, vmid := created[i].Node, created[i].VMID
			o, err := d.ObserveCheap(context.Background(), node, vmid, true)
			if err == nil && services {
				err = d.ObserveServices(context.Background(), node, vmid, &o)
			}
			if err == nil && (!o.Running || o.Gone || o.ServicesKnown != services || o.Degraded() || services && o.Health == nil) {
				err = fmt.Errorf("CT %d read as %+v", vmid, o)
			}
			return err
		})
		st := sim.Stats()
		requests += total(st)
		for _, s := range st.SSHSessions {
			sessions += s
		}
	}
	b.ReportMetric(float64(requests)/float64(b.N*apps), "requests/app")
	b.ReportMetric(float64(sessions)/float64(b.N), "ssh-sessions/refresh")
}

func benchService(b *testing.B, sim *pvesim.Simulator) *Service {
	info := sim.Info()
	client, _ := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	runner, _ := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	b.Cleanup(func() { runner.Close() })
	cat, _ := catalog.Embedded()
	return &Service{Client: client, Nodes: runner, Catalog: cat, Ports: &allocstore.Allocator{
		Store:  &allocstore.GroupCommit{Store: &allocstore.LocalStore{Path: filepath.Join(b.TempDir(), "a.json")}},
		Public: allocstore.Range{From: 8100, To: 8999}, Internal: allocstore.Range{From: 9100, To: 9999},
	}}
}

// parallel runs fn for 0..n-1, ten at a time, as terraform -parallelism=10.
func parallel(b *testing.B, n int, fn func(i int) error) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 10; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
