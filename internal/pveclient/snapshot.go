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
	if err := s.fresh(ctx); err != nil {
		return ClusterGuest{}, false, err
	}
	g, ok = s.byVMID[vmid]
	return g, ok, nil
}

// Guests returns every guest the snapshot lists, in no order: a reader
// that works per node (the services of a node's apps) finds them here.
func (s *GuestSnapshot) Guests(ctx context.Context) ([]ClusterGuest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	guests := make([]ClusterGuest, 0, len(s.byVMID))
	for _, g := range s.byVMID {
		guests = append(guests, g)
	}
	return guests, nil
}

// fresh lists the cluster again when the snapshot is missing or too old;
// the caller holds mu.
func (s *GuestSnapshot) fresh(ctx context.Context) error {
	if s.byVMID != nil && time.Since(s.taken) <= s.MaxAge {
		return nil
	}
	guests, err := s.Client.ClusterGuests(ctx)
	if err != nil {
		return err
	}
	s.byVMID = make(map[int]ClusterGuest, len(guests))
	for _, g := range guests {
		s.byVMID[g.VMID] = g
	}
	s.taken = time.Now()
	return nil
}

// Invalidate drops the snapshot: the next read lists the cluster again.
func (s *GuestSnapshot) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byVMID = nil
}
