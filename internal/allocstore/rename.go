package allocstore

import "context"

// Rename moves an application's own pair to the hostname it was renamed to:
// its owner and, for a pair the application took for itself, the
// application a killed deployment is matched by (Unclaimed). Left under the
// old name, the entry would be offered to a later create of that name once
// the container stopped recording the pair. An entry that is gone is left
// gone: the next refresh puts it back from the state.
func (a *Allocator) Rename(ctx context.Context, id, hostname string) error {
	return a.Store.Update(ctx, func(t *Table) error {
		for i := range t.Allocations {
			if e := &t.Allocations[i]; e.ID == id {
				e.Owner = hostname
				if e.Application != "" {
					e.Application = hostname
				}
			}
		}
		return nil
	})
}
