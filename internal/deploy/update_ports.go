package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// PortMove switches an application to another pair in place: the pair of a
// proximity_port_allocation, or ("") a pair of its own again. The ports
// live only in the container's tags and the allocation table (the compose
// file never names them: the app answers on its catalog port at the
// container's address), so a move rewrites the tags and nothing inside the
// container. Update records the pair it moved to in Moved.
type PortMove struct {
	AllocationID string // the proximity_port_allocation to use; "": an own pair
	// OwnAllocationID is the app's own allocation before the move ("" when
	// it used a port_allocation_id): released once the move succeeded,
	// never before.
	OwnAllocationID string
	Moved           MovedPorts
}

// MovedPorts is the pair an application runs with after a move, and its own
// allocation ("" on a port_allocation_id).
type MovedPorts struct {
	PublicPort, InternalPort int
	AllocationID             string
}

// PortConflictError is a pair the application cannot move to: the
// allocation is unknown, or another container records its ports.
type PortConflictError struct {
	AllocationID string
	Reason       string
}

func (e *PortConflictError) Error() string {
	return fmt.Sprintf("the ports cannot move to port allocation %s: %s", e.AllocationID, e.Reason)
}

// takeMovedPorts finds the pair a move goes to, before anything changes:
// an allocation's pair that no other container records, or a new own pair
// (taken for the hostname the app will have). It returns a function that
// gives a new own pair back, for a move that then fails.
func (d *Service) takeMovedPorts(ctx context.Context, vmid int, hostname string, m *PortMove, log *stepLog) (undo func(), err error) {
	undo = func() {}
	err = log.run(ctx, "move ports", func() (string, error) {
		guests, err := d.Client.ClusterGuests(ctx)
		if err != nil {
			return "", err
		}
		if m.AllocationID == "" {
			a, _, err := d.Ports.AllocateForApplication(ctx, hostname, taggedGuests(guests))
			if err != nil {
				return "", err
			}
			m.Moved = MovedPorts{PublicPort: a.PublicPort, InternalPort: a.InternalPort, AllocationID: a.ID}
			undo = func() { _ = d.Ports.Release(context.WithoutCancel(ctx), a.ID) }
			return fmt.Sprintf("public %d, internal %d, allocated for %s", a.PublicPort, a.InternalPort, hostname), nil
		}
		a, err := d.movablePair(ctx, guests, vmid, m.AllocationID)
		if err != nil {
			return "", err
		}
		m.Moved = MovedPorts{PublicPort: a.PublicPort, InternalPort: a.InternalPort}
		return fmt.Sprintf("public %d, internal %d from %s", a.PublicPort, a.InternalPort, m.AllocationID), nil
	})
	return undo, err
}

// CheckPortMove reports at plan time, reading only, whether an application
// can move to the pair of a port allocation: the allocation exists and no
// other container records its ports (a PortConflictError otherwise). The
// apply checks again before it changes anything.
func (d *Service) CheckPortMove(ctx context.Context, vmid int, allocationID string) error {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return err
	}
	_, err = d.movablePair(ctx, guests, vmid, allocationID)
	return err
}

// movablePair is the pair of a port allocation that container vmid may
// move to.
func (d *Service) movablePair(ctx context.Context, guests []pveclient.ClusterGuest, vmid int, allocationID string) (allocstore.Allocation, error) {
	a, ok, err := d.Ports.Get(ctx, allocationID)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, &PortConflictError{AllocationID: allocationID, Reason: "it is not in " + d.Ports.Store.Location()}
	}
	if holder := portHolder(guests, vmid, a.PublicPort, a.InternalPort); holder != "" {
		return a, &PortConflictError{AllocationID: allocationID,
			Reason: fmt.Sprintf("public port %d or internal port %d is already recorded on %s", a.PublicPort, a.InternalPort, holder)}
	}
	return a, nil
}

// releaseMovedFrom frees the app's own pair after a move succeeded.
func (d *Service) releaseMovedFrom(ctx context.Context, m *PortMove, log *stepLog) error {
	if m.OwnAllocationID == "" || m.OwnAllocationID == m.Moved.AllocationID {
		return nil
	}
	return log.run(ctx, "release previous ports", func() (string, error) {
		return m.OwnAllocationID, d.Ports.Release(ctx, m.OwnAllocationID)
	})
}

// otherGuests is the cluster without one container: the ports it records
// are the ones it moves away from.
func otherGuests(guests []pveclient.ClusterGuest, vmid int) []pveclient.ClusterGuest {
	out := make([]pveclient.ClusterGuest, 0, len(guests))
	for _, g := range guests {
		if g.VMID != vmid {
			out = append(out, g)
		}
	}
	return out
}

// portHolder names another container that records either port, "" when
// none does.
func portHolder(guests []pveclient.ClusterGuest, vmid, public, internal int) string {
	pub, in := allocstore.HoldersFromTags(taggedGuests(otherGuests(guests, vmid)))
	if h, ok := pub[public]; ok {
		return h
	}
	return in[internal]
}
