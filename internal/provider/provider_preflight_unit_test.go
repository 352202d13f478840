package provider

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestPreflightKeepsOnlyCertainAnswers: a passed check is not run again;
// a transient failure (the API not reachable for a moment) is asked again
// by the next plan, while refused credentials are kept.
func TestPreflightKeepsOnlyCertainAnswers(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	var c cached[struct{}]
	transient := &pveclient.ConnectionError{Endpoint: "https://pve:8006", Err: errors.New("connection refused")}
	answers := []error{transient, nil}
	check := func(context.Context) error { return answers[min(int(calls.Add(1))-1, len(answers)-1)] }
	if err := c.run(ctx, check); !errors.Is(err, transient) {
		t.Fatalf("first plan: %v", err)
	}
	for i := range 2 {
		if err := c.run(ctx, check); err != nil {
			t.Fatalf("plan %d after a transient failure: %v", i+2, err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d checks, want 2: the failure asked again, the success kept", n)
	}

	var refused cached[struct{}]
	calls.Store(0)
	credentials := &pveclient.CredentialsError{Endpoint: "https://pve:8006", Err: errors.New("401")}
	for range 2 {
		if err := refused.run(ctx, func(context.Context) error { calls.Add(1); return credentials }); !errors.Is(err, credentials) {
			t.Fatalf("refused credentials: %v", err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("refused credentials checked %d times, want once", n)
	}
}

// TestPreflightCancelIsTheCallersOwn: the check runs with its caller's
// context; when that caller's cancel ends it, a caller that waited runs it
// again with its own context instead of taking the cancellation, and later
// plans pass.
func TestPreflightCancelIsTheCallersOwn(t *testing.T) {
	var c cached[struct{}]
	first, cancel := context.WithCancel(context.Background())
	started, firstDone := make(chan struct{}), make(chan error, 1)
	var calls atomic.Int32
	check := func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done() // an RPC the first plan's cancel ends
			return ctx.Err()
		}
		return nil
	}
	go func() { firstDone <- c.run(first, check) }()
	<-started
	second := make(chan error, 1)
	go func() { second <- c.run(context.Background(), check) }()
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled plan: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("the plan that waited took another caller's cancel: %v", err)
	}
	if err := c.run(context.Background(), check); err != nil || calls.Load() != 2 {
		t.Errorf("a later plan: %v after %d checks, want nil after 2", err, calls.Load())
	}
	waiting, stop := context.WithCancel(context.Background())
	stop()
	var fresh cached[struct{}]
	fresh.init.Do(func() { fresh.turn = make(chan struct{}, 1) })
	fresh.turn <- struct{}{} // another caller runs the check
	if err := fresh.run(waiting, check); !errors.Is(err, context.Canceled) {
		t.Errorf("a caller cancelled while it waits: %v", err)
	}
}
