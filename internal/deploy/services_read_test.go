package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestServicesReadOneSessionPerNode: concurrent reads of the services of
// five apps on two nodes, as a refresh makes them, cost one SSH session per
// node (the first read of a node reads every app of Proximity there) and
// write nothing; each app's services come back running, with their image.
func TestServicesReadOneSessionPerNode(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	apps := createOn(t, d, map[string]int{"pve1": 3, "pve2": 2})
	d.Snapshot = &pveclient.GuestSnapshot{Client: d.Client, MaxAge: time.Minute}
	d.Services = &ServicesCache{}
	sim.ResetStats()
	var wg sync.WaitGroup
	for _, a := range apps {
		wg.Go(func() {
			services, known, err := d.ReadServices(ctx, a.Node, a.VMID, "wordpress")
			if err != nil || !known || len(services) != 2 || Degraded(services) {
				t.Errorf("CT %d: %+v known=%v err=%v", a.VMID, services, known, err)
				return
			}
			if services[0].Name != "wordpress" || services[0].Image == "" || services[1].Name != "db" {
				t.Errorf("CT %d: %+v", a.VMID, services)
			}
		})
	}
	wg.Wait()
	st := sim.Stats()
	if st.SSHSessions["pve1"] != 1 || st.SSHSessions["pve2"] != 1 || st.SSHSessions["pve3"] != 0 {
		t.Errorf("SSH sessions per node: %v, want one on each node with apps", st.SSHSessions)
	}
	if len(st.Writes) != 0 {
		t.Errorf("a services read wrote %v", st.Writes)
	}
}

// TestServicesReadSeesAServiceDown: a service stopped out of band reads as
// exited, one removed with compose down as missing, and either makes the
// app degraded; the main service's container, untouched, still runs.
func TestServicesReadSeesAServiceDown(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	apps := createOn(t, d, map[string]int{"pve1": 2})
	compose := func(a App, args ...string) {
		argv := append([]string{"docker", "compose", "-f", "/opt/proximity/wordpress/compose.yaml", "-p", "wordpress"}, args...)
		onNode(t, d, a.Node, PctExec(a.VMID, argv...))
	}
	compose(apps[0], "stop", "db")
	compose(apps[1], "down")
	d.Services = &ServicesCache{}
	for i, want := range [][2]string{{"running", "exited"}, {ServiceMissing, ServiceMissing}} {
		services, _, err := d.ReadServices(ctx, apps[i].Node, apps[i].VMID, "wordpress")
		if err != nil {
			t.Fatal(err)
		}
		if len(services) != 2 || services[0].State != want[0] || services[1].State != want[1] || !Degraded(services) {
			t.Errorf("CT %d: %+v, want wordpress %s and db %s, degraded", apps[i].VMID, services, want[0], want[1])
		}
	}
}

// createOn creates wordpress apps on the nodes given, in parallel.
func createOn(t *testing.T, d *Service, perNode map[string]int) []App {
	t.Helper()
	var (
		mu   sync.Mutex
		apps []App
		wg   sync.WaitGroup
	)
	for node, n := range perNode {
		for i := range n {
			wg.Go(func() {
				c, err := d.Create(context.Background(), Spec{CatalogID: "wordpress", Hostname: fmt.Sprintf("wp-%s-%d", node, i), Node: node}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				apps = append(apps, c.App)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return apps
}

// TestServicesReadWithoutSSH: without SSH the services are unknown, not
// read and not an error (the provider records them as null).
func TestServicesReadWithoutSSH(t *testing.T) {
	d, sim := newService(t)
	d.Nodes, d.Services = nil, &ServicesCache{}
	sim.ResetStats()
	services, known, err := d.ReadServices(context.Background(), "pve1", 100, "wordpress")
	if services != nil || known || err != nil {
		t.Errorf("got %v, %v, %v; want nothing known", services, known, err)
	}
	if n := len(sim.Stats().SSHSessions); n != 0 {
		t.Errorf("%d SSH sessions", n)
	}
}

// TestParseServicesOutput: each app's block is read up to its end marker;
// a docker ps that failed is that app's error, with its output, and an app
// whose block never ended (the script was cut short) is one too, each a
// DockerError with every service unknown, while the others read.
func TestParseServicesOutput(t *testing.T) {
	cat, _ := catalog.Embedded()
	wp, _ := cat.Get("wordpress")
	apps := []servicesApp{{vmid: 101, entry: wp}, {vmid: 102, entry: wp}, {vmid: 103, entry: wp}}
	out := "@@m begin 101\nwordpress|db|running|mariadb:11|Up 2 hours (unhealthy)\nother|db|exited|x|Exited (0) 1 second ago\n" +
		"wordpress|wordpress|restarting|wordpress:6|Restarting (1) 3 seconds ago\n@@m end 101 0\n" +
		"@@m begin 102\nCannot connect to the Docker daemon\n@@m end 102 1\n@@m begin 103\nwordpress|db|running|mariadb:11|Up 1 second\n"
	reads := parseServicesOutput(out, apps, "@@m")
	got := reads[101].services
	if reads[101].err != nil || len(got) != 2 || got[0] != (ServiceState{"wordpress", "restarting", "wordpress:6", ""}) ||
		got[1] != (ServiceState{"db", "running", "mariadb:11", HealthUnhealthy}) {
		t.Errorf("101: %+v %v", got, reads[101].err)
	}
	var docker *DockerError
	if err := reads[102].err; !errors.As(err, &docker) || !strings.Contains(err.Error(), "exited 1: Cannot connect to the Docker daemon") {
		t.Errorf("102: %v", err)
	}
	if err := reads[103].err; !errors.As(err, &docker) || !strings.Contains(err.Error(), "ended before it") {
		t.Errorf("103: %v", err)
	}
	// Docker not answering is a degraded app, every service unknown.
	for _, vmid := range []int{102, 103} {
		if s := reads[vmid].services; len(s) != 2 || s[0].State != ServiceUnknown || s[1].State != ServiceUnknown || !Degraded(s) {
			t.Errorf("%d: %+v", vmid, s)
		}
	}
}

// TestServicesReadRetriesAPassingDockerFault: a docker ps that fails three
// times in a row (the shared read and two reads alone) is read again, as
// every in-container command is, and the app reads running, not degraded;
// a Docker that fails every time still reads degraded, with the error.
func TestServicesReadRetriesAPassingDockerFault(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	apps := createOn(t, d, map[string]int{"pve1": 1})
	d.Snapshot = &pveclient.GuestSnapshot{Client: d.Client, MaxAge: time.Minute}
	d.Services = &ServicesCache{}
	if err := sim.SetFaults("exec:docker=1x3"); err != nil {
		t.Fatal(err)
	}
	services, known, err := d.ReadServices(ctx, apps[0].Node, apps[0].VMID, "wordpress")
	if err != nil || !known || Degraded(services) {
		t.Fatalf("after three passing faults: %+v known=%v err=%v, want running", services, known, err)
	}
	if err := sim.SetFaults("exec:docker=1"); err != nil {
		t.Fatal(err)
	}
	d.Services = &ServicesCache{}
	services, _, err = d.ReadServices(ctx, apps[0].Node, apps[0].VMID, "wordpress")
	var docker *DockerError
	if !errors.As(err, &docker) || !Degraded(services) || services[0].State != ServiceUnknown {
		t.Errorf("a Docker that always fails: %+v err=%v, want unknown services and a DockerError", services, err)
	}
}

// TestServicesReadRetriesAnotherAppsFault: the docker ps of one app fails
// in the node's shared read that another app's refresh asked for; when
// its own refresh finds that result, it reads again alone and is running.
func TestServicesReadRetriesAnotherAppsFault(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	apps := createOn(t, d, map[string]int{"pve1": 2})
	slices.SortFunc(apps, func(a, b App) int { return a.VMID - b.VMID })
	d.Snapshot = &pveclient.GuestSnapshot{Client: d.Client, MaxAge: time.Minute}
	d.Services = &ServicesCache{}
	// The shared script reads the other apps first, in VMID order: the
	// first app's docker ps is the one that fails.
	if err := sim.SetFaults("exec:docker=1x1"); err != nil {
		t.Fatal(err)
	}
	for _, a := range []App{apps[1], apps[0]} {
		services, _, err := d.ReadServices(ctx, a.Node, a.VMID, "wordpress")
		if err != nil || Degraded(services) {
			t.Errorf("CT %d: %+v err=%v, want running", a.VMID, services, err)
		}
	}
	if n := sim.Stats().Faults; n != 1 {
		t.Errorf("%d faults injected, want the one", n)
	}
}

// TestDegradedByHealth: a running service whose healthcheck reports it
// unhealthy is degraded (it runs but does not serve); one whose first
// probes have not run yet ("health: starting") is not, nor is one without
// a healthcheck. The health comes from docker ps's status as the daemon
// writes it.
func TestDegradedByHealth(t *testing.T) {
	for status, want := range map[string]string{
		"Up 2 minutes (healthy)": HealthHealthy, "Up 3 seconds (health: starting)": HealthStarting,
		"Up About an hour (unhealthy)": HealthUnhealthy, "Up 5 seconds": "", "Exited (1) 2 seconds ago": "",
	} {
		if got := healthOf(status); got != want {
			t.Errorf("healthOf(%q) = %q, want %q", status, got, want)
		}
	}
	running := func(health string) []ServiceState {
		return []ServiceState{{Name: "web", State: "running", Health: health}, {Name: "db", State: "running"}}
	}
	if !Degraded(running(HealthUnhealthy)) {
		t.Error("an unhealthy service is not degraded")
	}
	for _, h := range []string{HealthHealthy, HealthStarting, ""} {
		if Degraded(running(h)) {
			t.Errorf("a %q service is degraded", h)
		}
	}
}

// TestServicesOutputCannotBeForged: a container whose output prints
// another app's markers (any root user in any tagged container on the
// node could) does not rewrite that app's block: the session's markers
// carry a value no container knows. A docker ps that coreutils' timeout
// cut short (exit 124) is that app's DockerError, naming the wait.
func TestServicesOutputCannotBeForged(t *testing.T) {
	cat, _ := catalog.Embedded()
	gitea, _ := cat.Get("gitea")
	apps := []servicesApp{{vmid: 101, entry: gitea}, {vmid: 105, entry: gitea}, {vmid: 107, entry: gitea}}
	marker := newMarker()
	if marker == newMarker() || len(marker) != 18 {
		t.Fatalf("markers %q: not new to each session", marker)
	}
	script := servicesScript(apps, marker)
	if !strings.Contains(script, "timeout -k 5 30 pct exec 101") {
		t.Errorf("the script does not bound each app's read:\n%s", script)
	}
	out := marker + " begin 101\nError: Cannot connect to the Docker daemon\n" + marker + " end 101 1\n" +
		marker + " begin 105\n@@ begin 101\ngitea|gitea|running|x|Up 1 hour\ngitea|db|running|y|Up 1 hour\n@@ end 101 0\n" +
		marker + " end 105 0\n" + marker + " begin 107\n" + marker + " end 107 124\n"
	reads := parseServicesOutput(out, apps, marker)
	if reads[101].err == nil || !Degraded(reads[101].services) {
		t.Errorf("CT 105's output made CT 101 (Docker down) read %+v", reads[101].services)
	}
	var docker *DockerError
	if err := reads[107].err; !errors.As(err, &docker) || !strings.Contains(err.Error(), "did not answer within 30s") {
		t.Errorf("107: %v", err)
	}
}

// TestServicesReaderWaitsOnlyAsLongAsItsContext: a reader of a node whose
// read another reader holds (a slow node, a hung container) gives up when
// its own context ends, instead of waiting past its timeout.
func TestServicesReaderWaitsOnlyAsLongAsItsContext(t *testing.T) {
	c := &ServicesCache{}
	ns := c.node("pve1")
	if err := ns.lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer ns.unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := ns.lock(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second reader: %v, want its deadline", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("the second reader waited %s past its 50 ms", waited)
	}
}
