package deploy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// An application's extra mount points (mp0..mp255 in PVE): volumes that
// PVE allocates on a storage, and bind mounts of a directory of the node.
// The rules here are pve-container's (src/PVE/LXC/Config.pm): the path
// format pve-lxc-mp-string (verify_lxc_mp_string), classify_mountpoint
// (a volume that starts with "/" is a bind mount, "/dev/" a device) and
// check_ct_modify_config_perm (a bind mount is root@pam's alone, so the
// provider sets those with pct set as root over SSH).

// MaxMountPoints is PVE's $MAX_MOUNT_POINTS: mp0 to mp255.
const MaxMountPoints = 256

// MountPoint is one mount point of an application: a volume (Storage,
// SizeGB, Backup) when HostPath is empty, else a bind mount of HostPath.
type MountPoint struct {
	Path     string // where it is mounted inside the container
	HostPath string // a bind mount's directory on the node; "" for a volume
	Storage  string // a volume's storage; "" at create: the root disk's
	SizeGB   int    // a volume's size (a minimum, as disk_gb is)
	Backup   bool   // a volume that vzdump includes (backup=1)
	ReadOnly bool   // ro=1
	// Volume is the volume id PVE gave it (local-lvm:vm-101-disk-1), as
	// read; "" for a bind mount and for one not made yet.
	Volume string
}

// Bind reports whether the mount point is a bind mount of a host path.
func (m MountPoint) Bind() bool { return m.HostPath != "" }

// MountError is a mount point the configuration asks for that PVE would
// refuse; Index is its position in the list, Field the attribute.
type MountError struct {
	Index  int
	Field  string // path, host_path, size_gb, storage
	Reason string
}

func (e *MountError) Error() string {
	return fmt.Sprintf("mount point %d: %s: %s", e.Index, e.Field, e.Reason)
}

// illegalPathRe is verify_lxc_mp_string: no /./ or /../, no /. or /.. at
// the end, no ../ at the start.
var illegalPathRe = regexp.MustCompile(`/\.\.?/|/\.\.?$|^\.\./`)

// checkMountPath is a path PVE accepts in a mount point's property string
// and a directory that is one: absolute, not "/" (the root disk is there),
// no illegal sequences, and no comma or control character, which would
// split or break the property string (PVE has no quoting for them in mp=).
func checkMountPath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Sprintf("%q is not an absolute path", p)
	case path.Clean(p) == "/":
		return "\"/\" is the root disk's place; choose a directory below it, such as /data"
	case illegalPathRe.MatchString(p):
		return fmt.Sprintf("%q contains illegal character sequences (PVE refuses /./, /../ and a trailing /. or /..)", p)
	case strings.ContainsAny(p, ",\n\r\t\x00"):
		return fmt.Sprintf("%q contains a comma or a control character, which PVE's property strings cannot hold", p)
	}
	return ""
}

// CheckMountPoints is the one rule for the mount points a configuration
// asks for, at plan time and before a create: each path valid and once,
// a volume with a size of at least 1 GB and no host path, a bind mount
// with an absolute host path and no size, storage or backup, at most
// MaxMountPoints.
func CheckMountPoints(mps []MountPoint) []*MountError {
	var errs []*MountError
	bad := func(i int, field, reason string) {
		errs = append(errs, &MountError{Index: i, Field: field, Reason: reason})
	}
	if len(mps) > MaxMountPoints {
		bad(MaxMountPoints, "path", fmt.Sprintf("PVE has at most %d mount points (mp0 to mp%d)", MaxMountPoints, MaxMountPoints-1))
	}
	seen := map[string]int{}
	for i, m := range mps {
		if reason := checkMountPath(m.Path); reason != "" {
			bad(i, "path", reason)
		} else if j, dup := seen[path.Clean(m.Path)]; dup {
			bad(i, "path", fmt.Sprintf("%s is mount point %d's path too; each path is mounted once", m.Path, j))
		} else {
			seen[path.Clean(m.Path)] = i
		}
		if m.Bind() {
			if reason := checkMountPath(m.HostPath); reason != "" {
				bad(i, "host_path", reason)
			}
			for field, set := range map[string]bool{"size_gb": m.SizeGB != 0, "storage": m.Storage != "", "backup": m.Backup} {
				if set {
					// PVE keeps no size or storage for a bind mount, and vzdump
					// never saves one (backup applies to volumes only).
					bad(i, field, fmt.Sprintf("a bind mount has no %s: set host_path for a bind mount, or size_gb (and storage, backup) for a volume",
						field))
				}
			}
			continue
		}
		if m.SizeGB < 1 {
			bad(i, "size_gb", "a volume needs size_gb of at least 1 (or host_path for a bind mount of a node directory)")
		}
	}
	return errs
}

// mountStorageProblem is a volume's storage on the node: PVE allocates
// container volumes only where the storage is enabled, active and takes
// rootdir content (update_pct_config: "storage '...' does not allow
// content type 'rootdir' (Container)").
func mountStorageProblem(storages []pveclient.Storage, node, storage string) string {
	var takers []string
	for _, s := range usableStorages(storages, "rootdir") {
		if s.ID == storage {
			return ""
		}
		takers = append(takers, s.ID)
	}
	return fmt.Sprintf("storage %s on %s does not take container volumes (PVE needs an enabled, active storage with content rootdir); "+
		"storages of %s that do: %s", storage, node, node, strings.Join(takers, ", "))
}

// NeedsRoot reports whether setting these mount points or devices takes
// root@pam, which the provider reaches only through pct set over SSH.
func NeedsRoot(mps []MountPoint, devices []Device) bool {
	return len(devices) > 0 || slices.ContainsFunc(mps, MountPoint.Bind)
}

// readMountPoints reads the container's mpN entries, by index.
func readMountPoints(cfg *pveclient.ContainerConfig) map[int]MountPoint {
	out := map[int]MountPoint{}
	for i, mp := range cfg.MountPoints {
		m := MountPoint{Path: mp.Path, ReadOnly: isSet(mp.ReadOnly)}
		if strings.HasPrefix(mp.Volume, "/") {
			m.HostPath = mp.Volume
		} else {
			m.Volume, m.Storage = mp.Volume, mp.Storage()
			m.SizeGB, m.Backup = int(mp.Size>>30), isSet(mp.Backup)
		}
		out[i] = m
	}
	return out
}

// ObservedMountPoints are the container's mount points in the order of
// their mpN keys.
func ObservedMountPoints(cfg *pveclient.ContainerConfig) []MountPoint {
	return inIndexOrder(readMountPoints(cfg))
}

// inIndexOrder lists the values of a config's numbered keys (mpN, devN)
// in the order of N.
func inIndexOrder[T any](byIndex map[int]T) []T {
	out := make([]T, 0, len(byIndex))
	for _, i := range sortedIndexes(byIndex) {
		out = append(out, byIndex[i])
	}
	return out
}

func isSet(b *bool) bool { return b != nil && *b }

func sortedIndexes[T any](m map[int]T) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
