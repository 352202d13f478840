package pvesim

// templateUserlandBytes is what a template's userland takes of a rootfs: the
// container status counts it as used disk before any file is written
// (guests.go reports disk as this plus the tree's content), so the files a
// container writes get what is left of its rootfs.
const templateUserlandBytes = 400 * mib

// rootFSCapacity is the byte budget of a container's file tree: its rootfs
// volume's size (the size= of the rootfs property) less the userland. A
// write past it fails with ENOSPC inside the container, as on a real volume
// of that size. A rootfs without a size keeps the tree's default budget.
// The caller holds s.mu (the config).
func (g *guest) rootFSCapacity() int64 {
	size := g.diskBytes()
	if size <= 0 {
		return 0
	}
	return max(1, size-templateUserlandBytes)
}
