package allocstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Tag prefixes with which containers record their ports on themselves; tags
// appear in /cluster/resources, so one call shows every container's ports.
const (
	PublicTagPrefix   = "px-pub-"
	InternalTagPrefix = "px-int-"
)

// TaggedGuest is a container with its tags, as the cluster lists it.
type TaggedGuest struct {
	VMID int
	Node string
	Tags []string
}

// HoldersFromTags reads the ports containers record in their tags.
func HoldersFromTags(guests []TaggedGuest) (public, internal Holders) {
	public, internal = Holders{}, Holders{}
	for _, g := range guests {
		holder := fmt.Sprintf("CT %d on %s", g.VMID, g.Node)
		for _, tag := range g.Tags {
			if p, ok := strings.CutPrefix(tag, PublicTagPrefix); ok {
				if n, err := strconv.Atoi(p); err == nil {
					public[n] = holder
				}
			}
			if p, ok := strings.CutPrefix(tag, InternalTagPrefix); ok {
				if n, err := strconv.Atoi(p); err == nil {
					internal[n] = holder
				}
			}
		}
	}
	return public, internal
}

// Allocator hands out port pairs from a store, checking the cluster's tags.
type Allocator struct {
	Store            Store
	Public, Internal Range
	// Cluster lists the containers with their tags; nil means none are checked.
	Cluster func(ctx context.Context) ([]TaggedGuest, error)
}

func (a *Allocator) holders(ctx context.Context) (Holders, Holders, error) {
	if a.Cluster == nil {
		return Holders{}, Holders{}, nil
	}
	guests, err := a.Cluster(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ports recorded on containers: %w", err)
	}
	pub, in := HoldersFromTags(guests)
	return pub, in, nil
}

// Allocate takes a new pair (publicPort 0: the lowest free one).
func (a *Allocator) Allocate(ctx context.Context, owner string, publicPort int) (Allocation, error) {
	pub, in, err := a.holders(ctx)
	if err != nil {
		return Allocation{}, err
	}
	var out Allocation
	err = a.Store.Update(ctx, func(t *Table) error {
		var err error
		out, err = t.Allocate(Request{
			Owner: owner, PublicPort: publicPort, Public: a.Public, Internal: a.Internal, ClusterPublic: pub, ClusterInternal: in,
		})
		return err
	})
	return out, err
}

// AllocateForApplication takes a pair for an application's own use: the
// pair a killed run of the same application left unclaimed, else the
// preferred pair when both its ports are free (a restored app keeps its
// backup's ports), else a new one. The caller passes the cluster's
// containers, which it has just listed.
func (a *Allocator) AllocateForApplication(
	ctx context.Context, hostname string, cluster []TaggedGuest, prefer ...int,
) (alloc Allocation, reused bool, err error) {
	pub, in := HoldersFromTags(cluster)
	err = a.Store.Update(ctx, func(t *Table) error {
		if alloc, reused = t.Unclaimed(hostname, pub, in); reused {
			return nil
		}
		req := Request{Owner: hostname, Application: hostname, Public: a.Public, Internal: a.Internal, ClusterPublic: pub, ClusterInternal: in}
		if len(prefer) == 2 && prefer[0] != 0 && prefer[1] != 0 {
			preferred := req
			preferred.PublicPort, preferred.InternalPort = prefer[0], prefer[1]
			var err error
			if alloc, err = t.Allocate(preferred); err == nil {
				return nil
			}
		}
		var err error
		alloc, err = t.Allocate(req)
		return err
	})
	return alloc, reused, err
}

// Lookup reads an allocation without the lock and without writing: a
// refresh. One missing from the file is reported (missing) with what the
// caller knows (Terraform state), for the next apply to put back (SetOwner
// does); a conflict means its ports are now held by another allocation.
func (a *Allocator) Lookup(ctx context.Context, known Allocation) (current Allocation, missing bool, err error) {
	t, err := a.Store.Read(ctx)
	if err != nil {
		return Allocation{}, false, err
	}
	if got, ok := t.Get(known.ID); ok {
		return got, false, nil
	}
	if conflict := t.clone().Restore(known); conflict != nil {
		return Allocation{}, false, fmt.Errorf("allocation %s (public port %d, internal port %d) is gone from %s, and its ports are now held by %s",
			known.ID, known.PublicPort, known.InternalPort, a.Store.Location(), holderName(*conflict))
	}
	return known, true, nil
}

// SetOwner changes the owner, putting the allocation back first if it is gone.
func (a *Allocator) SetOwner(ctx context.Context, known Allocation, owner string) (Allocation, error) {
	var out Allocation
	err := a.Store.Update(ctx, func(t *Table) error {
		if _, ok := t.Get(known.ID); !ok {
			if conflict := t.Restore(known); conflict != nil {
				return fmt.Errorf("allocation %s is gone from %s and its ports are held by %s", known.ID, a.Store.Location(), holderName(*conflict))
			}
		}
		t.SetOwner(known.ID, owner)
		out, _ = t.Get(known.ID)
		return nil
	})
	return out, err
}

// Release frees a pair; releasing one that is gone is not an error.
func (a *Allocator) Release(ctx context.Context, id string) error {
	return a.Store.Update(ctx, func(t *Table) error { t.Release(id); return nil })
}

// Find returns the allocation holding a public port; it only reads.
func (a *Allocator) Find(ctx context.Context, publicPort int) (Allocation, bool, error) {
	t, err := a.Store.Read(ctx)
	if err != nil {
		return Allocation{}, false, err
	}
	out, ok := t.ByPublicPort(publicPort)
	return out, ok, nil
}

// Usage describes one range's use.
type Usage struct {
	Range      Range
	Used, Free int
}

// Usage lists every allocation with the use of both ranges, counting ports
// that containers record on themselves too. It only reads.
func (a *Allocator) Usage(ctx context.Context) (public, internal Usage, all []Allocation, err error) {
	pub, in, err := a.holders(ctx)
	if err != nil {
		return Usage{}, Usage{}, nil, err
	}
	t, err := a.Store.Read(ctx)
	if err != nil {
		return Usage{}, Usage{}, nil, err
	}
	all = append(all, t.Allocations...)
	for _, al := range t.Allocations {
		pub[al.PublicPort], in[al.InternalPort] = al.ID, al.ID
	}
	public = Usage{Range: a.Public, Used: countIn(a.Public, pub)}
	public.Free = a.Public.Size() - public.Used
	internal = Usage{Range: a.Internal, Used: countIn(a.Internal, in)}
	internal.Free = a.Internal.Size() - internal.Used
	return public, internal, all, nil
}

// Adopt records a pair found on an application's container: the existing
// entry for its public port when there is one, else a new entry for the pair.
func (a *Allocator) Adopt(ctx context.Context, owner string, public, internal int) (Allocation, error) {
	if public < 1 || public > 65535 || internal < 1 || internal > 65535 {
		// A hand-edited tag must not put an entry into the shared table
		// that every later reader would reject.
		return Allocation{}, fmt.Errorf("the container records ports %d and %d; "+
			"a port is between 1 and 65535: fix its px-pub-/px-int- tags", public, internal)
	}
	var out Allocation
	err := a.Store.Update(ctx, func(t *Table) error {
		if got, ok := t.ByPublicPort(public); ok {
			if got.InternalPort != internal {
				return fmt.Errorf("public port %d is allocated with internal port %d, not %d", public, got.InternalPort, internal)
			}
			out = got
			return nil
		}
		entry := Allocation{ID: newID(), PublicPort: public, InternalPort: internal, Owner: owner, CreatedAt: nowUTC(), Application: owner}
		if conflict := t.Restore(entry); conflict != nil {
			return fmt.Errorf("internal port %d is held by %s", internal, holderName(*conflict))
		}
		out = entry
		return nil
	})
	return out, err
}

// Get returns an allocation by id; it only reads.
func (a *Allocator) Get(ctx context.Context, id string) (Allocation, bool, error) {
	t, err := a.Store.Read(ctx)
	if err != nil {
		return Allocation{}, false, err
	}
	out, ok := t.Get(id)
	return out, ok, nil
}
