package allocstore

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gatedStore counts the read-modify-writes that reach the store below, and
// holds the first one until the test opens the gate, so that the changes
// made meanwhile queue up behind it.
type gatedStore struct {
	Store
	gate    chan struct{}
	mu      sync.Mutex
	updates int
	// calls is how many times each Update runs its function (a store that
	// retries through another node runs it again).
	calls int
}

func (s *gatedStore) Update(ctx context.Context, fn func(t *Table) error) error {
	s.mu.Lock()
	s.updates++
	first := s.updates == 1
	s.mu.Unlock()
	if first {
		<-s.gate
	}
	return s.Store.Update(ctx, func(t *Table) error {
		for i := 1; i < s.calls; i++ { // the attempts whose result is thrown away
			_ = fn(t.clone())
		}
		return fn(t)
	})
}

func newGated(t *testing.T) (*GroupCommit, *gatedStore, *LocalStore) {
	local := &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}
	gated := &gatedStore{Store: local, gate: make(chan struct{}), calls: 1}
	return &GroupCommit{Store: gated}, gated, local
}

// waitQueued waits until n changes wait behind the one holding the store.
func waitQueued(t *testing.T, g *GroupCommit, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		queued := len(g.queue)
		g.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d changes queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func allocateFn(owner string, got *Allocation) func(t *Table) error {
	return func(t *Table) error {
		a, err := t.Allocate(Request{Owner: owner, Public: pub, Internal: in})
		*got = a
		return err
	}
}

func tableOf(t *testing.T, s Store) *Table {
	t.Helper()
	var out *Table
	if err := s.Update(context.Background(), func(tb *Table) error { out = tb.clone(); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// runQueued starts the first change, waits until it holds the store, queues
// the rest behind it, and opens the gate; it returns every caller's error.
func runQueued(t *testing.T, g *GroupCommit, gated *gatedStore, ctxs []context.Context, fns []func(*Table) error) []error {
	t.Helper()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	start := func(i int) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = g.Update(ctxs[i], fns[i]) }()
	}
	start(0)
	for { // the first change is the leader, held at the gate
		gated.mu.Lock()
		held := gated.updates == 1
		gated.mu.Unlock()
		if held {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < len(fns); i++ { // one by one, so that they queue in order
		start(i)
		waitQueued(t, g, i)
	}
	close(gated.gate)
	wg.Wait()
	return errs
}

func TestGroupCommitWritesQueuedChangesOnce(t *testing.T) {
	g, gated, local := newGated(t)
	const n = 10
	got := make([]Allocation, n)
	ctxs := make([]context.Context, n)
	fns := make([]func(*Table) error, n)
	for i := range fns {
		ctxs[i] = context.Background()
		fns[i] = allocateFn("app", &got[i])
	}
	for i, err := range runQueued(t, g, gated, ctxs, fns) {
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	if gated.updates != 2 {
		t.Errorf("%d read-modify-writes for %d changes, want 2 (the first alone, then the nine that queued behind it)", gated.updates, n)
	}
	seen := map[int]bool{}
	for _, a := range got {
		if seen[a.PublicPort] {
			t.Fatalf("public port %d handed out twice: %+v", a.PublicPort, got)
		}
		seen[a.PublicPort] = true
	}
	if tb := tableOf(t, local); len(tb.Allocations) != n {
		t.Errorf("the file holds %d allocations, want %d", len(tb.Allocations), n)
	}
}

func TestGroupCommitUndoesOnlyTheFailedChange(t *testing.T) {
	g, gated, local := newGated(t)
	var first, kept, undone Allocation
	gated.calls = 2 // as when the host store tries a second node
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	boom := errors.New("boom")
	errs := runQueued(t, g, gated,
		[]context.Context{context.Background(), context.Background(), context.Background(), cancelled},
		[]func(*Table) error{
			allocateFn("first", &first),
			func(tb *Table) error { _ = allocateFn("undone", &undone)(tb); return boom },
			allocateFn("kept", &kept),
			allocateFn("cancelled", new(Allocation)),
		})
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], boom) || !errors.Is(errs[3], context.Canceled) {
		t.Fatalf("errors %v", errs)
	}
	tb := tableOf(t, local)
	var owners []string
	for _, a := range tb.Allocations {
		owners = append(owners, a.Owner)
	}
	if len(owners) != 2 || owners[0] != "first" || owners[1] != "kept" {
		t.Errorf("the file holds %v, want [first kept]", owners)
	}
	if kept.PublicPort != undone.PublicPort {
		t.Errorf("the failed change's port %d was not freed for the next one (%d)", undone.PublicPort, kept.PublicPort)
	}
}

func TestGroupCommitGivesTheStoreErrorToEveryChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	if err := writeAtomic(path, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	gated := &gatedStore{Store: &LocalStore{Path: path}, gate: make(chan struct{}), calls: 1}
	g := &GroupCommit{Store: gated}
	ctxs := []context.Context{context.Background(), context.Background(), context.Background()}
	fns := []func(*Table) error{allocateFn("a", new(Allocation)), allocateFn("b", new(Allocation)), allocateFn("c", new(Allocation))}
	for i, err := range runQueued(t, g, gated, ctxs, fns) {
		var corrupt *CorruptError
		if !errors.As(err, &corrupt) {
			t.Errorf("change %d: %v, want the corrupt file's error", i, err)
		}
	}
}

// The lock wait ends only when every caller in the batch has given up.
func TestGroupCommitWaitsWhileAnyCallerWaits(t *testing.T) {
	short, cancel := context.WithCancel(context.Background())
	long, cancelLong := context.WithCancel(context.Background())
	batch := []*pendingChange{{ctx: short}, {ctx: long}}
	ctx, stop := whileAnyWaits(batch)
	defer stop()
	cancel()
	select {
	case <-ctx.Done():
		t.Fatal("the batch gave up while a caller still waited")
	case <-time.After(20 * time.Millisecond):
	}
	cancelLong()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the batch kept waiting after every caller gave up")
	}
}
