package deploy

import (
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// The container sizes of an app: memory in MB, cores, and disk in GB.
const (
	SizeMemory = "memory"
	SizeCores  = "cores"
	SizeDisk   = "disk"
)

// sizeUnits say what a size counts, for messages.
var sizeUnits = map[string]string{SizeMemory: "MB of memory", SizeCores: "cores", SizeDisk: "GB of disk"}

// BelowMinimumError is a container size asked for that is below what the
// catalog app needs.
type BelowMinimumError struct {
	App   string // the app's display name
	Size  string // SizeMemory, SizeCores or SizeDisk
	Asked int
	Least int
}

func (e *BelowMinimumError) Error() string {
	return fmt.Sprintf("%s needs at least %d %s; %d is too small", e.App, e.Least, sizeUnits[e.Size], e.Asked)
}

// Unit is what the size counts ("MB of memory", "cores", "GB of disk").
func (e *BelowMinimumError) Unit() string { return sizeUnits[e.Size] }

// Minimums are the catalog app's least sizes: what a size left out becomes.
func Minimums(entry *catalog.App) (memoryMB, cores, diskGB int) {
	return entry.MinMemory, entry.MinCPU, entry.MinDisk
}

// CheckSizes is the one rule for an app's sizes, used at plan time and by
// create: a size left out (0) takes the catalog's minimum, and one asked for
// below it is refused.
func CheckSizes(entry *catalog.App, memoryMB, cores, diskGB int) []*BelowMinimumError {
	var errs []*BelowMinimumError
	for _, s := range []struct {
		size         string
		asked, least int
	}{{SizeMemory, memoryMB, entry.MinMemory}, {SizeCores, cores, entry.MinCPU}, {SizeDisk, diskGB, entry.MinDisk}} {
		if s.asked != 0 && s.asked < s.least {
			errs = append(errs, &BelowMinimumError{App: entry.Name, Size: s.size, Asked: s.asked, Least: s.least})
		}
	}
	return errs
}

// ShrinkError is a disk asked smaller than the container's and smaller than
// the configuration asked before: PVE only grows container disks
// (pve-container src/PVE/API2/LXC.pm resize_vm, "unable to shrink disk size").
type ShrinkError struct {
	Asked, Has, Before int // GB
}

func (e *ShrinkError) Error() string {
	return fmt.Sprintf("the disk is %d GB and was asked to be %d GB; it cannot go down to %d GB, as PVE only grows container disks. "+
		"Ask for %d GB or more, or replace the application for a smaller disk", e.Has, e.Before, e.Asked, e.Before)
}

// PlanDisk is the one rule for a disk size of an existing container, which
// is a minimum: asked is the configured size, has the container's (grown out
// of band, perhaps), before the size the configuration asked last (0 when
// unknown, as for an import). It returns the size to plan: at least asked,
// and never less than the disk has, so a disk grown with pct resize or the
// PVE UI is accepted as it is. Only asking less than both what the disk has
// and what was asked before is a shrink, which is refused.
func PlanDisk(asked, has, before int) (int, *ShrinkError) {
	if asked >= has {
		return asked, nil // as large or larger: grows in place
	}
	if before > 0 && asked < before {
		return has, &ShrinkError{Asked: asked, Has: has, Before: before}
	}
	return has, nil
}
