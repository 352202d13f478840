package pveclient

import (
	"context"
	"sync"
	"time"
)

// GuestSnapshot shares one /cluster/resources listing between the many reads
// of a refresh, so that reading a hundred applications costs one cluster call
// plus one call each instead of two each. It is taken again when older than
// MaxAge or after Invalidate (this process changed a guest).
type GuestSnapshot struct {
	Client *Client
	MaxAge time.Duration

	mu     sync.Mutex // held while listing, so concurrent readers share one call
	taken  time.Time
	byVMID map[int]ClusterGuest
}

// Guest returns a guest as the snapshot saw it; ok is false when the
// snapshot does not list it.
func (s *GuestSnapshot) Guest(ctx context.Context, vmid int) (g ClusterGuest, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byVMID == nil || time.Since(s.taken) > s.MaxAge {
		guests, err := s.Client.ClusterGuests(ctx)
		if err != nil {
			return ClusterGuest{}, false, err
		}
		s.byVMID = make(map[int]ClusterGuest, len(guests))
		for _, g := range guests {
			s.byVMID[g.VMID] = g
		}
		s.taken = time.Now()
	}
	g, ok = s.byVMID[vmid]
	return g, ok, nil
}

// Invalidate drops the snapshot: the next read lists the cluster again.
func (s *GuestSnapshot) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byVMID = nil
}
