package pveclient

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestGuestSnapshotSharesOneListing(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	for _, vmid := range []int{120, 121} {
		if err := c.CreateContainer(ctx, "pve1", vmid, smallAlpine, nil); err != nil {
			t.Fatal(err)
		}
	}
	listings := func() int { return sim.Stats().Requests["GET /cluster/resources"] }
	before := listings()
	snap := &GuestSnapshot{Client: c, MaxAge: time.Minute}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g, ok, err := snap.Guest(ctx, 120+i%2); err != nil || !ok || g.Node != "pve1" {
				t.Errorf("guest %d: %+v %v %v", 120+i%2, g, ok, err)
			}
		}()
	}
	wg.Wait()
	if _, ok, _ := snap.Guest(ctx, 999); ok {
		t.Error("a guest that does not exist was found")
	}
	if n := listings() - before; n != 1 {
		t.Errorf("21 reads listed the cluster %d times, want 1", n)
	}
	snap.Invalidate()
	_, _, _ = snap.Guest(ctx, 120)
	if n := listings() - before; n != 2 {
		t.Errorf("after Invalidate: %d listings, want 2", n)
	}
	snap.MaxAge = 0
	time.Sleep(time.Millisecond)
	_, _, _ = snap.Guest(ctx, 120)
	if n := listings() - before; n != 3 {
		t.Errorf("after MaxAge: %d listings, want 3", n)
	}
}
