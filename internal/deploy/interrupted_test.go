package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCancelledCreateIsResumed cancels a create once its container exists
// (Terraform cancels the context on Ctrl-C): it must leave what a killed run
// leaves, the container with its deploying mark and its pair in the
// allocation table, and the next create must take that container over.
func TestCancelledCreateIsResumed(t *testing.T) {
	d, _ := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	spec := Spec{CatalogID: "nginx", Hostname: "web"}
	created, err := d.Create(ctx, spec, func(App) { cancel() })
	var stopped *InterruptedError
	if !errors.As(err, &stopped) || !stopped.Cancelled || stopped.Step != "wait for create" {
		t.Fatalf("got %#v (%v), want a cancel during wait for create", stopped, err)
	}
	if !created.Exists || !created.Resumable {
		t.Errorf("created %+v: want the container, resumable", created)
	}
	for _, want := range []string{`cancelled during step "wait for create"`, "CT 100 on pve3", "ports 8100 and 9100", "resumes CT 100"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
	if tags := tagsOfCT(t, d, created.Node, created.VMID); !slices.Contains(tags, TagDeploying) {
		t.Errorf("CT %d lost its deploying mark: %v", created.VMID, tags)
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations after the cancel, want the app's pair kept", n)
	}

	again, err := d.Create(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.VMID != created.VMID || !strings.Contains(again.Log[0].Message, "taking it over") || again.PublicPort != 8100 {
		t.Errorf("the next create made %+v, want CT %d taken over with its ports", again.App, created.VMID)
	}
	if n := allocations(t, d); n != 1 {
		t.Errorf("%d allocations after the resume, want 1", n)
	}
}

// TestTimedOutCreateIsAFailure: a create timeout that runs out is not a
// cancel. The container is handed to the caller to record (Terraform
// replaces it), so it is no longer an unfinished deployment; the error
// names the step.
func TestTimedOutCreateIsAFailure(t *testing.T) {
	d, _ := newService(t)
	ctx := newExpiring()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) { ctx.expire() })
	var stopped *InterruptedError
	if !errors.As(err, &stopped) || stopped.Cancelled || stopped.Step != "wait for create" {
		t.Fatalf("got %#v (%v), want a timeout during wait for create", stopped, err)
	}
	if !created.Exists || created.Resumable {
		t.Errorf("created %+v: want the container, to be recorded", created)
	}
	if !strings.Contains(err.Error(), `ran out of time during step "wait for create"`) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q", err)
	}
	if tags := tagsOfCT(t, d, created.Node, created.VMID); slices.Contains(tags, TagDeploying) {
		t.Errorf("CT %d keeps its deploying mark after a timeout: %v", created.VMID, tags)
	}
}

// TestCancelBeforeTheContainerReleasesPorts: cancelled before any create
// request, nothing can hold the pair, so it goes back.
func TestCancelBeforeTheContainerReleasesPorts(t *testing.T) {
	d, sim := newService(t)
	// The template step's storage listing takes a second (a thousand
	// simulated ones): the cancel lands there, after the ports.
	if err := sim.SetFaults("latency:GET /nodes/*/storage=1000s"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, func(App) { t.Error("a container was made") })
	var stopped *InterruptedError
	if !errors.As(err, &stopped) || !stopped.Cancelled || created.Resumable || created.Exists {
		t.Fatalf("got %v, created %+v", err, created)
	}
	if len(created.Log) < 2 || created.Log[1].Name != "allocate ports" || created.Log[1].Status != "ok" {
		t.Fatalf("the cancel came before the ports were taken: %+v", created.Log)
	}
	if !strings.Contains(err.Error(), "before any container was made") {
		t.Errorf("error %q", err)
	}
	if n := allocations(t, d); n != 0 {
		t.Errorf("%d allocations leaked by a cancel before the container", n)
	}
}

func tagsOfCT(t *testing.T, d *Service, node string, vmid int) []string {
	t.Helper()
	cfg, err := d.Client.ContainerConfig(context.Background(), node, vmid)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Tags
}

// expiring is a context whose deadline passes when expire is called: a
// create timeout that runs out at a chosen moment.
type expiring struct {
	context.Context
	once sync.Once
	done chan struct{}
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), done: make(chan struct{})}
}

func (e *expiring) Done() <-chan struct{} { return e.done }

func (e *expiring) Err() error {
	select {
	case <-e.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (e *expiring) expire() { e.once.Do(func() { close(e.done) }) }
