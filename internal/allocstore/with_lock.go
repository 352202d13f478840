package allocstore

import "context"

// WithLock runs fn while holding the allocation table's lock, and changes
// nothing in the table: work that must not interleave with port changes
// (the gateway's route sync, which reads every app's ports) takes the lock
// every change of the table takes, on the cluster when the table lives
// there.
func (a *Allocator) WithLock(ctx context.Context, fn func(ctx context.Context) error) error {
	return a.Store.Update(ctx, func(*Table) error { return fn(ctx) })
}
