package allocstore

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// FileVersion is the version of the allocation file format this code writes.
const FileVersion = 1

// Allocation is one port pair.
type Allocation struct {
	ID           string    `json:"id"`
	PublicPort   int       `json:"public_port"`
	InternalPort int       `json:"internal_port"`
	Owner        string    `json:"owner"`
	CreatedAt    time.Time `json:"created_at"`
	// Application is the hostname of the application that took the pair for
	// itself (empty for a proximity_port_allocation): a run killed before its
	// container recorded the pair leaves the entry, which the next deployment
	// of that application takes back instead of leaking it.
	Application string `json:"application,omitempty"`
}

// Table is the allocation file's content.
type Table struct {
	Version     int          `json:"version"`
	Allocations []Allocation `json:"allocations"`
}

// clone is a copy whose changes leave t as it is.
func (t *Table) clone() *Table {
	return &Table{Version: t.Version, Allocations: append([]Allocation(nil), t.Allocations...)}
}

// Range is an inclusive port range.
type Range struct{ From, To int }

// Size is the number of ports in the range.
func (r Range) Size() int { return r.To - r.From + 1 }

// Contains reports whether p is in the range.
func (r Range) Contains(p int) bool { return p >= r.From && p <= r.To }

// CorruptError is an allocation file that cannot be read; it is left as it is.
type CorruptError struct {
	File string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the allocation file %s is unreadable (%v); it was not changed. Fix it, or move it aside to start a new one "+
		"(ports of existing apps are then re-learned from their containers' tags)", e.File, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// newTable is the table of a file that does not exist yet: only a missing
// file is new, never an empty or unreadable one.
func newTable() *Table { return &Table{Version: FileVersion} }

// parseTable reads an existing file's content. Empty content is an error:
// a file cut short by a crash must not be read as "no allocations" and then
// overwritten. So are duplicate ids and impossible ports, which only hand
// editing makes.
func parseTable(data []byte, file string) (*Table, error) {
	if len(trimSpace(data)) == 0 {
		return nil, &CorruptError{File: file, Err: fmt.Errorf("the file is empty")}
	}
	t := &Table{}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, &CorruptError{File: file, Err: err}
	}
	if t.Version == 0 {
		return nil, &CorruptError{File: file, Err: fmt.Errorf("no version field")}
	}
	if t.Version > FileVersion {
		return nil, fmt.Errorf("the allocation file %s has format version %d, newer than this provider's %d; upgrade the provider",
			file, t.Version, FileVersion)
	}
	seen := map[string]bool{}
	for _, a := range t.Allocations {
		switch {
		case a.ID == "":
			return nil, &CorruptError{File: file, Err: fmt.Errorf("an allocation without an id (public port %d)", a.PublicPort)}
		case seen[a.ID]:
			return nil, &CorruptError{File: file, Err: fmt.Errorf("the id %s appears twice", a.ID)}
		case a.PublicPort < 1 || a.PublicPort > 65535 || a.InternalPort < 1 || a.InternalPort > 65535:
			return nil, &CorruptError{File: file, Err: fmt.Errorf("allocation %s has ports %d/%d, outside 1-65535", a.ID, a.PublicPort, a.InternalPort)}
		}
		seen[a.ID] = true
	}
	return t, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// marshal writes one allocation per line: readable and diffable, and much
// cheaper than indenting the whole document on every allocation.
func (t *Table) marshal() []byte {
	sort.Slice(t.Allocations, func(i, j int) bool { return t.Allocations[i].PublicPort < t.Allocations[j].PublicPort })
	buf := make([]byte, 0, 64+len(t.Allocations)*128)
	buf = fmt.Appendf(buf, "{\"version\": %d, \"allocations\": [", t.Version)
	for i, a := range t.Allocations {
		line, _ := json.Marshal(a)
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  "...)
		buf = append(buf, line...)
	}
	if len(t.Allocations) > 0 {
		buf = append(buf, '\n')
	}
	return append(buf, "]}\n"...)
}

// Holders are ports recorded elsewhere (on containers in the cluster), with who holds them.
type Holders map[int]string

// Request asks for a pair: any free one, or a given public port.
type Request struct {
	Owner            string
	Application      string // see Allocation.Application
	PublicPort       int    // 0: the lowest free
	InternalPort     int    // 0: the lowest free
	Public, Internal Range
	// ClusterPublic and ClusterInternal are ports containers record on
	// themselves, so that applies from machines with another file are seen.
	ClusterPublic, ClusterInternal Holders
}

// PortTakenError says who holds a requested port.
type PortTakenError struct {
	Port     int
	Holder   string
	Internal bool
}

func (e *PortTakenError) Error() string {
	kind := "public"
	if e.Internal {
		kind = "internal"
	}
	return fmt.Sprintf("%s port %d is already allocated to %s; request another port or release that allocation", kind, e.Port, e.Holder)
}

// ExhaustedError says a range has no free port left. What to widen is the
// caller's to say: the range is its configuration.
type ExhaustedError struct {
	Kind  string // public or internal
	Range Range
	Used  int
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("all %d %s ports in %d-%d are in use (%d allocated)", e.Range.Size(), e.Kind, e.Range.From, e.Range.To, e.Used)
}

// OutOfRangeError says a requested port lies outside the range ports are
// allocated from.
type OutOfRangeError struct {
	Port     int
	Range    Range
	Internal bool
}

func (e *OutOfRangeError) Error() string {
	kind := "public"
	if e.Internal {
		kind = "internal"
	}
	return fmt.Sprintf("%s port %d is outside the %s range %d-%d", kind, e.Port, kind, e.Range.From, e.Range.To)
}

// Allocate adds a pair: the requested public port or the lowest free one,
// and the lowest free internal port, neither in the file nor in the cluster.
func (t *Table) Allocate(req Request) (Allocation, error) {
	usedPublic, usedInternal := Holders{}, Holders{}
	for _, a := range t.Allocations {
		usedPublic[a.PublicPort] = holderName(a)
		usedInternal[a.InternalPort] = holderName(a)
	}
	for p, h := range req.ClusterPublic {
		if _, ok := usedPublic[p]; !ok {
			usedPublic[p] = h
		}
	}
	for p, h := range req.ClusterInternal {
		if _, ok := usedInternal[p]; !ok {
			usedInternal[p] = h
		}
	}
	var public int
	if req.PublicPort != 0 {
		if !req.Public.Contains(req.PublicPort) {
			return Allocation{}, &OutOfRangeError{Port: req.PublicPort, Range: req.Public}
		}
		if holder, taken := usedPublic[req.PublicPort]; taken {
			return Allocation{}, &PortTakenError{Port: req.PublicPort, Holder: holder}
		}
		public = req.PublicPort
	} else if public = lowestFree(req.Public, usedPublic); public == 0 {
		return Allocation{}, &ExhaustedError{Kind: "public", Range: req.Public, Used: countIn(req.Public, usedPublic)}
	}
	var internal int
	if req.InternalPort != 0 {
		if !req.Internal.Contains(req.InternalPort) {
			return Allocation{}, &OutOfRangeError{Port: req.InternalPort, Range: req.Internal, Internal: true}
		}
		if holder, taken := usedInternal[req.InternalPort]; taken {
			return Allocation{}, &PortTakenError{Port: req.InternalPort, Holder: holder, Internal: true}
		}
		internal = req.InternalPort
	} else if internal = lowestFree(req.Internal, usedInternal); internal == 0 {
		return Allocation{}, &ExhaustedError{Kind: "internal", Range: req.Internal, Used: countIn(req.Internal, usedInternal)}
	}
	a := Allocation{ID: newID(), PublicPort: public, InternalPort: internal, Owner: req.Owner, CreatedAt: nowUTC(), Application: req.Application}
	t.Allocations = append(t.Allocations, a)
	return a, nil
}

func holderName(a Allocation) string {
	if a.Owner != "" {
		return fmt.Sprintf("%q (allocation %s)", a.Owner, a.ID)
	}
	return "allocation " + a.ID
}

func lowestFree(r Range, used Holders) int {
	for p := r.From; p <= r.To; p++ {
		if _, taken := used[p]; !taken {
			return p
		}
	}
	return 0
}

func countIn(r Range, used Holders) int {
	n := 0
	for p := range used {
		if r.Contains(p) {
			n++
		}
	}
	return n
}

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Second) }

func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "pa-" + hex.EncodeToString(b)
}

// Unclaimed finds a pair an application took for itself that no container
// records: what a deployment killed before creating its container left.
func (t *Table) Unclaimed(application string, clusterPublic, clusterInternal Holders) (Allocation, bool) {
	for _, a := range t.Allocations {
		_, pubHeld := clusterPublic[a.PublicPort]
		_, inHeld := clusterInternal[a.InternalPort]
		if a.Application == application && !pubHeld && !inHeld {
			return a, true
		}
	}
	return Allocation{}, false
}

// Get finds an allocation by id.
func (t *Table) Get(id string) (Allocation, bool) {
	for _, a := range t.Allocations {
		if a.ID == id {
			return a, true
		}
	}
	return Allocation{}, false
}

// ByPublicPort finds the allocation holding a public port.
func (t *Table) ByPublicPort(port int) (Allocation, bool) {
	for _, a := range t.Allocations {
		if a.PublicPort == port {
			return a, true
		}
	}
	return Allocation{}, false
}

// Release removes an allocation; releasing one that is gone is not an error.
func (t *Table) Release(id string) bool {
	for i, a := range t.Allocations {
		if a.ID == id {
			t.Allocations = append(t.Allocations[:i], t.Allocations[i+1:]...)
			return true
		}
	}
	return false
}

// Restore puts an allocation known from Terraform state back into the file,
// unless its ports are held by another allocation (returned as the conflict).
func (t *Table) Restore(a Allocation) (conflict *Allocation) {
	if _, ok := t.Get(a.ID); ok {
		return nil
	}
	for i, other := range t.Allocations {
		if other.PublicPort == a.PublicPort || other.InternalPort == a.InternalPort {
			return &t.Allocations[i]
		}
	}
	t.Allocations = append(t.Allocations, a)
	return nil
}

// SetOwner changes an allocation's owner in place.
func (t *Table) SetOwner(id, owner string) bool {
	for i := range t.Allocations {
		if t.Allocations[i].ID == id {
			t.Allocations[i].Owner = owner
			return true
		}
	}
	return false
}
