package shell

// Reserver is a file system with a byte budget, for writers that hold data
// in memory before it lands in a file (an SFTP upload at offsets): they take
// the bytes from the budget as they arrive, so a full disk stops them at
// once instead of after the whole upload sits in memory.
type Reserver interface {
	// Reserve takes up to n bytes and returns how many it got.
	Reserve(p string, n int64) int64
	// Release gives back bytes taken with Reserve.
	Release(p string, n int64)
}

// Reserve takes n bytes from the budget of the file system mounted at p;
// one without a budget grants them all.
func (m *Mounts) Reserve(p string, n int64) int64 {
	f, rel, _ := m.resolve(p)
	if r, ok := f.(Reserver); ok {
		return r.Reserve(rel, n)
	}
	return n
}

// Release gives back bytes Reserve took at p.
func (m *Mounts) Release(p string, n int64) {
	f, rel, _ := m.resolve(p)
	if r, ok := f.(Reserver); ok {
		r.Release(rel, n)
	}
}
