package deploy

import (
	"context"
	"path/filepath"
	"testing"

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
	info := sim.Info()
	client, _ := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.APIToken, CACertPEM: info.CACertPEM})
	runner, _ := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	defer runner.Close()
	cat, _ := catalog.Embedded()
	d := &Deps{Client: client, Nodes: runner, Catalog: cat, Ports: &allocstore.Allocator{
		Store: &allocstore.LocalStore{Path: filepath.Join(b.TempDir(), "a.json")}, Public: allocstore.Range{From: 8100, To: 8999}, Internal: allocstore.Range{From: 9100, To: 9999},
	}}
	var creates, reads, deletes int
	for i := 0; i < b.N; i++ {
		before := total(sim.Stats())
		app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "bench"}, func(App) {})
		if err != nil {
			b.Fatal(err)
		}
		afterCreate := total(sim.Stats())
		if _, err := d.ObserveCheap(context.Background(), app.Node, app.VMID); err != nil {
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
