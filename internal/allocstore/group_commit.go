package allocstore

import (
	"context"
	"sync"
)

// maxBatch bounds how many changes share one read-modify-write, so that a
// batch stays short inside the host store's cluster lock lifetime.
const maxBatch = 64

// GroupCommit lets the concurrent changes of one process share a
// read-modify-write of a store: while one change holds the store's lock, the
// others queue, and the next holder applies all of them to the table in turn
// and writes it once. Terraform runs resources in parallel inside one
// provider process, so this turns ten fsyncs (or ten SSH sessions) into one.
// Each change still sees every change before it, and one that fails is
// undone alone.
type GroupCommit struct {
	Store Store

	mu      sync.Mutex
	queue   []*pendingChange
	leading bool
}

type pendingChange struct {
	ctx  context.Context
	fn   func(t *Table) error
	err  error // set by the commit, read after done is closed
	done chan struct{}
}

func (g *GroupCommit) Location() string { return g.Store.Location() }

func (g *GroupCommit) Update(ctx context.Context, fn func(t *Table) error) error {
	p := &pendingChange{ctx: ctx, fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if g.leading {
		g.mu.Unlock()
		<-p.done // the leader always answers, if only with ctx's error
		return p.err
	}
	g.leading = true
	g.mu.Unlock()
	g.lead()
	<-p.done
	return p.err
}

// lead commits batches until the queue is empty.
func (g *GroupCommit) lead() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.commit(batch)
	}
}

// commit applies a batch in one Update of the store. Each change runs on a
// copy of the table and is kept only if it succeeds. A store may call the
// function again (the host store tries the next node when one cannot be
// reached), so the results are reset on every call.
func (g *GroupCommit) commit(batch []*pendingChange) {
	ctx, cancel := whileAnyWaits(batch)
	defer cancel()
	ran := make([]bool, len(batch))
	fnErrs := make([]error, len(batch))
	storeErr := g.Store.Update(ctx, func(t *Table) error {
		clear(ran)
		clear(fnErrs)
		for i, p := range batch {
			ran[i] = true
			if err := p.ctx.Err(); err != nil {
				fnErrs[i] = err
				continue
			}
			work := t.clone()
			if err := p.fn(work); err != nil {
				fnErrs[i] = err
				continue
			}
			*t = *work
		}
		return nil
	})
	for i, p := range batch {
		switch {
		case ran[i] && fnErrs[i] != nil:
			p.err = fnErrs[i] // its own failure, whatever became of the others
		default:
			p.err = storeErr // nil when the batch was written
		}
		close(p.done)
	}
}

// whileAnyWaits is a context that ends when every change in the batch has
// been given up by its caller, so one impatient caller does not fail the
// rest. It keeps the first caller's values (its logger).
func whileAnyWaits(batch []*pendingChange) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	var mu sync.Mutex
	left := len(batch)
	stops := make([]func() bool, 0, len(batch))
	for _, p := range batch {
		stops = append(stops, context.AfterFunc(p.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		}))
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
