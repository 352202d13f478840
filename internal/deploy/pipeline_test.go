package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func newService(t *testing.T) (*Service, *pvesim.Simulator) {
	t.Helper()
	sim := pvesimtest.Start(t, pvesim.Options{})
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM,
		Retry: pveclient.RetryConfig{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runner.Close)
	cat, _ := catalog.Embedded()
	file := filepath.Join(t.TempDir(), "allocations.json")
	ports := &allocstore.Allocator{
		Store: &allocstore.LocalStore{Path: file}, Public: allocstore.Range{From: 8100, To: 8999}, Internal: allocstore.Range{From: 9100, To: 9999},
	}
	return &Service{Client: client, Nodes: runner, Ports: ports, Catalog: cat, Backups: &backups.Service{Client: client}}, sim
}

func allocations(t *testing.T, d *Service) int {
	t.Helper()
	_, _, all, err := d.Ports.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func TestCreateAndDestroyMultiServiceApp(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	var saved App
	app, err := d.Create(ctx, Spec{CatalogID: "wordpress", Hostname: "blog", Environment: map[string]string{"DB_PASSWORD": "s3cr'et"}},
		func(a App) { saved = a })
	if err != nil {
		for _, s := range app.Log {
			t.Logf("%s %s %s", s.Name, s.Status, s.Message)
		}
		t.Fatal(err)
	}
	if saved.VMID != app.VMID || app.VMID != 100 || app.Node != "pve3" || app.PublicPort != 8100 || app.InternalPort != 9100 {
		t.Errorf("app %+v (saved %+v)", app, saved)
	}
	if app.IP == "" || app.URL != "http://"+app.IP+":80" || app.Memory != 1024 {
		t.Errorf("url %q memory %d", app.URL, app.Memory)
	}
	var names []string
	for _, s := range app.Log {
		if s.Status != "ok" {
			t.Errorf("step %s: %s %s", s.Name, s.Status, s.Message)
		}
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "look for an unfinished deployment,allocate ports,choose node,ensure template,"+
		"choose storage,create container,wait for create,start,wait for address,install container runtime,write compose file,"+
		"compose up,check services" {
		t.Errorf("steps %s", got)
	}
	cfg, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil {
		t.Fatal(err)
	}
	// The deploying mark went with the create's last write (release).
	if cfg.Tags.String() != "proximity;px-app-wordpress;px-id-"+app.Identity+";px-int-9100;px-pub-8100" ||
		len(app.Identity) != 12 || cfg.Hostname != "blog" {
		t.Errorf("tags %q hostname %q", cfg.Tags, cfg.Hostname)
	}
	// A second app skips the first one's ports and VMID.
	second, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) {})
	if err != nil || second.VMID != 101 || second.PublicPort != 8101 {
		t.Fatalf("second app %+v %v", second, err)
	}
	if err := d.Destroy(ctx, app.Node, app.VMID, app.AllocationID); err != nil {
		t.Fatal(err)
	}
	if err := d.Destroy(ctx, app.Node, app.VMID, app.AllocationID); err != nil {
		t.Errorf("destroying twice: %v", err)
	}
	if _, err := d.Client.GuestStatus(ctx, app.Node, app.VMID); !pveclient.IsNotFound(err) {
		t.Errorf("container still there: %v", err)
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations left, want the second app's", n)
	}
}

// TestFailureBeforeTheContainerReleasesPorts: nothing is left behind.
func TestFailureBeforeTheContainerReleasesPorts(t *testing.T) {
	d, _ := newService(t)
	_, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web", Template: "debian-12-standard_12.99-1_amd64.tar.zst"},
		func(App) { t.Error("saved before the container existed") })
	if err == nil || !strings.Contains(err.Error(), "could not be downloaded") {
		t.Fatalf("got %v", err)
	}
	if n := allocations(t, d); n != 0 {
		t.Errorf("%d allocations leaked", n)
	}
	_, err = d.Create(context.Background(), Spec{CatalogID: "nextclod", Hostname: "x"}, func(App) {})
	if err == nil || !strings.Contains(err.Error(), "closest ids: nextcloud") {
		t.Errorf("unknown app: %v", err)
	}
}

// TestFailureAfterTheContainerIsSaved: a failing install still reports the
// container, so the caller can keep it in state and destroy or replace it.
func TestFailureAfterTheContainerIsSaved(t *testing.T) {
	d, sim := newService(t)
	if err := sim.SetFaults("exec:apk=1|ERROR: unable to fetch https://dl-cdn.alpinelinux.org"); err != nil {
		t.Fatal(err)
	}
	var saved App
	app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "web"}, func(a App) { saved = a })
	if err == nil || !strings.Contains(err.Error(), "unable to fetch") {
		t.Fatalf("got %v", err)
	}
	if saved.VMID == 0 || app.VMID != saved.VMID || app.AllocationID == "" {
		t.Fatalf("the container was not reported: %+v", saved)
	}
	last := app.Log[len(app.Log)-1]
	if last.Name != "install container runtime" || last.Status != "failed" {
		t.Errorf("last step %+v", last)
	}
	if err := d.Destroy(context.Background(), app.Node, app.VMID, app.AllocationID); err != nil {
		t.Fatal(err)
	}
	if n := allocations(t, d); n != 0 {
		t.Errorf("%d allocations left after destroy", n)
	}
}

// TestCreateUnderFaults deploys 10 apps at once while the simulator fails 10%
// of all API calls, times out 5% on locks and fails 10% of in-container
// commands (seeded): every deployment succeeds, nothing leaks.
func TestCreateUnderFaults(t *testing.T) {
	d, sim := newService(t)
	d.Client, _ = pveclient.New(pveclient.Config{Endpoint: sim.Info().Endpoint, APIToken: sim.Info().PVEAdminAPIToken, CACertPEM: sim.Info().CACertPEM,
		Retry: pveclient.RetryConfig{MaxAttempts: 8, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}})
	if err := sim.SetFaults("500:* /*=0.1;500:* /*/*=0.1;500:* /*/*/*=0.1;500:* /*/*/*/*=0.1;500:* /*/*/*/*/*=0.1;500:* /*/*/*/*/*/*=0.1;" +
		"lock:* /nodes/*/lxc/*/config=0.05;lock:* /nodes/*/lxc/*/status/*=0.05;exec:*=0.1"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		app App
		err error
	}
	results := make(chan result, 10)
	for i := 0; i < 10; i++ {
		go func() {
			app, err := d.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: fmt.Sprintf("app%d", i)}, func(App) {})
			results <- result{app.App, err}
		}()
	}
	vmids := map[int]bool{}
	for i := 0; i < 10; i++ {
		r := <-results
		if r.err != nil {
			t.Errorf("deployment failed: %v", r.err)
			continue
		}
		vmids[r.app.VMID] = true
	}
	if err := sim.SetFaults(""); err != nil {
		t.Fatal(err)
	}
	guests, _ := d.Client.ClusterGuests(context.Background())
	if len(guests) != 10 || len(vmids) != 10 {
		t.Errorf("%d containers for %d distinct deployments", len(guests), len(vmids))
	}
	if n := allocations(t, d); n != 10 {
		t.Errorf("%d allocations for 10 apps", n)
	}
	if sim.Stats().Faults == 0 {
		t.Error("no fault was injected; the test proves nothing")
	}
}
