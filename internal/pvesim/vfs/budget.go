package vfs

import (
	"runtime"
	"sync/atomic"
	"syscall"
)

// A tree's files live in memory, so every tree has a byte budget, as a file
// system has a size: a write that would take the tree past its capacity
// fails with ENOSPC, the way `head -c 10G /dev/zero > /tmp/f` fills a
// container's disk and stops there. The accounting is O(1) per write: the
// tree keeps its total, and only removals walk (the removed subtree).
//
// Over all trees of the process there is a second limit, the resident
// ceiling: a container's rootfs may be 8 GiB and a node's disk 100 GiB, but
// the simulator must never take the machine's memory, so once all trees
// together hold the ceiling, writes fail with ENOSPC too. This is the one
// place where the simulator is narrower than a real disk; tests and the
// provider write kilobytes to megabytes.

// DefaultCapacity is the budget of a tree nobody gave one (SetCapacity).
const DefaultCapacity int64 = 8 << 30

// DefaultResidentLimit is the resident ceiling unless SetResidentLimit
// changes it: 1 GiB of file content over every tree of the process.
const DefaultResidentLimit int64 = 1 << 30

var (
	resident      atomic.Int64
	residentLimit atomic.Int64
)

func init() { residentLimit.Store(DefaultResidentLimit) }

// SetResidentLimit changes the resident ceiling and returns the previous one.
func SetResidentLimit(n int64) int64 { return residentLimit.Swap(n) }

// Resident is the file content all live trees of the process hold.
func Resident() int64 { return resident.Load() }

// usage is a tree's accounting, a separate allocation so that the cleanup
// that gives a dropped tree's bytes back to the resident total does not keep
// the tree alive.
type usage struct {
	used     int64 // bytes of file content in the tree
	reserved int64 // bytes buffered by open write handles, not yet in a file
	capacity int64 // 0 means DefaultCapacity
}

// releaseUsage runs when a tree becomes unreachable (a container destroyed,
// a simulator closed): its bytes no longer count against the ceiling.
func releaseUsage(u *usage) { resident.Add(-(u.used + u.reserved)) }

func newUsage(t *Tree) *usage {
	u := &usage{}
	runtime.AddCleanup(t, releaseUsage, u)
	return u
}

func (u *usage) limit() int64 {
	if u.capacity > 0 {
		return u.capacity
	}
	return DefaultCapacity
}

// room is how many more bytes the tree may take now: the smaller of what is
// left of its capacity and of the resident ceiling.
func (u *usage) room() int64 {
	return max(0, min(u.limit()-u.used-u.reserved, residentLimit.Load()-resident.Load()))
}

// charge adds delta bytes of file content, refusing growth past the room
// with ENOSPC. A shrink (delta <= 0) always succeeds.
func (u *usage) charge(delta int64) error {
	if delta > 0 && delta > u.room() {
		return syscall.ENOSPC
	}
	u.used += delta
	resident.Add(delta)
	return nil
}

// force adds delta without a check, for content that already exists
// elsewhere in memory (an imported archive, a state file being loaded).
func (u *usage) force(delta int64) {
	u.used += delta
	resident.Add(delta)
}

// reserve takes up to n bytes for a write handle's buffer and returns how
// many it got; fewer than n means the disk is full.
func (u *usage) reserve(n int64) int64 {
	got := min(n, u.room())
	u.reserved += got
	resident.Add(got)
	return got
}

func (u *usage) unreserve(n int64) {
	u.reserved -= n
	resident.Add(-n)
}

// SetCapacity sets the tree's budget in bytes. A tree already holding more
// keeps its files; only further growth fails.
func (t *Tree) SetCapacity(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.acct.capacity = n
}

// Capacity is the tree's budget in bytes.
func (t *Tree) Capacity() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acct.limit()
}

// Size is the total bytes of file content in the tree.
func (t *Tree) Size() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acct.used
}

// subtreeBytes is the file content under n, for the removals that free it.
func subtreeBytes(n *node) int64 {
	total := int64(len(n.data))
	for _, c := range n.children {
		total += subtreeBytes(c)
	}
	return total
}

// Reserve takes up to n bytes of the tree's budget for data a writer holds
// in memory before it lands in the file p (an SFTP upload), and returns how
// many it got; fewer than n means the disk is full. Release gives them back,
// before the data is written. The budget is the whole tree's; p only says
// which file the bytes are for, as the shell's Reserver interface has it.
func (t *Tree) Reserve(_ string, n int64) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acct.reserve(max(0, n))
}

// Release returns bytes taken with Reserve.
func (t *Tree) Release(_ string, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.acct.unreserve(n)
}
