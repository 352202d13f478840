package allocstore

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestHostStoreReadWritesNothing: a read of the host store is one command
// that takes no cluster lock and changes no file on the cluster (the
// simulator's write counter stays at zero), sees what Update wrote, works
// without quorum (pmxcfs serves reads then), and reports a non-file at the
// path as an unreadable table instead of an empty one.
func TestHostStoreReadWritesNothing(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	store := hostStore(t, sim, "pve2")
	if got, err := store.Read(ctx); err != nil || len(got.Allocations) != 0 {
		t.Fatalf("no file yet: %+v %v", got, err)
	}
	var want Allocation
	if err := store.Update(ctx, func(tb *Table) (err error) { want, err = tb.Allocate(Request{Public: pub, Internal: in}); return err }); err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	sim.SetQuorate(false)
	got, err := store.Read(ctx)
	if err != nil || len(got.Allocations) != 1 || got.Allocations[0] != want {
		t.Fatalf("read %+v %v, want %+v", got, err, want)
	}
	if w := sim.Stats().Writes; len(w) != 0 {
		t.Errorf("a read wrote: %v", w)
	}
	sim.SetQuorate(true)
	onNode(t, sim, "rm "+HostFile+" && mkdir "+HostFile)
	var corrupt *CorruptError
	if _, err := store.Read(ctx); !errors.As(err, &corrupt) {
		t.Errorf("a directory at the path: %v", err)
	}
}
