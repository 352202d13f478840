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
