package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// VMID bounds from PVE's pve-vmid format (pve-common's JSONSchema.pm).
const (
	MinVMID = 100
	MaxVMID = 999999999
)

// VMIDRange is where the creates that name no VMID take one, both ends
// included.
type VMIDRange struct{ Min, Max int }

func (r VMIDRange) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// Check reports what is wrong with a range, "" when nothing is.
func (r VMIDRange) Check() string {
	switch {
	case r.Min < MinVMID || r.Max > MaxVMID:
		return fmt.Sprintf("VMIDs are %d to %d in PVE; %s is outside", MinVMID, MaxVMID, r)
	case r.Min > r.Max:
		return fmt.Sprintf("min %d is above max %d", r.Min, r.Max)
	}
	return ""
}

// ParseVMIDRange reads "MIN-MAX", the form of PROXIMITY_VMID_RANGE.
func ParseVMIDRange(text string) (VMIDRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(text), "-")
	a, errA := strconv.Atoi(strings.TrimSpace(lo))
	b, errB := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || errA != nil || errB != nil {
		return VMIDRange{}, fmt.Errorf("%q is not a range MIN-MAX such as 1000-1999", text)
	}
	r := VMIDRange{Min: a, Max: b}
	if problem := r.Check(); problem != "" {
		return VMIDRange{}, fmt.Errorf("%q: %s", text, problem)
	}
	return r, nil
}

// VMIDTakenError is a VMID the configuration names that another guest
// holds: PVE's create would refuse it ("CT N already exists"), and no
// guest but the app's own is ever touched for it.
type VMIDTakenError struct {
	VMID             int
	Node, Type, Name string // the guest that holds it; empty when only PVE's refusal tells
}

func (e *VMIDTakenError) Error() string {
	if e.Node == "" {
		return fmt.Sprintf("VMID %d is already taken in the cluster; choose a free vmid or leave vmid out", e.VMID)
	}
	return fmt.Sprintf("VMID %d is already taken by %s %q on %s; choose a free vmid or leave vmid out", e.VMID, guestKind(e.Type), e.Name, e.Node)
}

func guestKind(t string) string {
	if t == "qemu" {
		return "the VM"
	}
	return "the container"
}

// CheckVMID is the plan's check of a VMID the configuration names, on the
// cluster listing the refresh shares: nil when no guest holds it. PVE's
// create checks again at apply.
func (d *Service) CheckVMID(ctx context.Context, vmid int) error {
	var guests []pveclient.ClusterGuest
	var err error
	if d.Snapshot != nil {
		guests, err = d.Snapshot.Guests(ctx)
	} else {
		guests, err = d.Client.ClusterGuests(ctx)
	}
	if err != nil {
		return err
	}
	for _, g := range guests {
		if g.VMID == vmid {
			return &VMIDTakenError{VMID: vmid, Node: g.Node, Type: g.Type, Name: g.Name}
		}
	}
	return nil
}

// createWithVMID posts the create under the VMID the spec names, once: a
// VMID that is taken fails as PVE fails it, and nothing else is tried. With
// none, the create takes a fresh one (createWithFreshVMID).
func (d *Service) createWithVMID(
	ctx context.Context, vmid int, node string, req pveclient.ContainerCreation, settings pveclient.ContainerSettings,
) (int, string, error) {
	if vmid == 0 {
		return d.createWithFreshVMID(ctx, node, req, settings)
	}
	upid, err := d.Client.StartCreateContainer(ctx, node, vmid, req)
	switch kind := pveclient.KindOf(err); {
	case err == nil:
		return vmid, upid, nil
	case kind == pveclient.KindAlreadyExists:
		return 0, "", fmt.Errorf("%w: %w", &VMIDTakenError{VMID: vmid}, err)
	case kind == pveclient.KindTransient || kind == pveclient.KindLocked:
		// The answer was lost: the create may have happened.
		if ours, checkErr := d.isOurs(ctx, node, vmid, settings); checkErr == nil && ours {
			return vmid, "", nil
		}
	}
	return 0, "", err
}

// nextVMID is the VMID a create that names none tries: PVE's nextid, or
// with a VMIDRange the lowest one in it that no guest of the cluster
// holds. nextid cannot take a range (pve-manager's API2/Cluster.pm: only
// datacenter.cfg's next-id bounds it, and with a vmid argument it only
// checks that one), so the range is read from the cluster listing. It runs
// under vmidTurn, after the previous create of this process returned: PVE
// writes a new container's config before it answers a create
// (create_and_lock_config), so the listing has it.
func (d *Service) nextVMID(ctx context.Context) (int, error) {
	if d.VMIDRange == nil {
		return d.Client.NextID(ctx)
	}
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return 0, err
	}
	taken := make(map[int]bool, len(guests))
	for _, g := range guests {
		taken[g.VMID] = true
	}
	for id := d.VMIDRange.Min; id <= d.VMIDRange.Max; id++ {
		if !taken[id] {
			return id, nil
		}
	}
	return 0, &VMIDRangeFullError{Range: *d.VMIDRange}
}

// VMIDRangeFullError is a create that found every VMID of the provider's
// range taken.
type VMIDRangeFullError struct{ Range VMIDRange }

func (e *VMIDRangeFullError) Error() string {
	return fmt.Sprintf("every VMID of the range %s is taken; widen vmid_range or free one", e.Range)
}
