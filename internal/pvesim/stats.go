package pvesim

import (
	"maps"
	"sync"
	"time"
)

// Stats are the simulator's counters: requests per "METHOD /route" (route
// templates, so /nodes/{node}/lxc/{vmid}/config counts every guest), tasks
// per type, and in-container commands per program.
type Stats struct {
	Requests map[string]int `json:"requests"`
	Tasks    map[string]int `json:"tasks"`
	Commands map[string]int `json:"commands"`
	Faults   int            `json:"faults_injected"`
	// Writes counts the changes clients made, by kind (write_counter.go).
	Writes map[string]int `json:"writes"`
	// SSHSessions counts the SSH sessions (exec, shell and sftp) per node:
	// a refresh reads the services of a node's apps in one.
	SSHSessions map[string]int `json:"ssh_sessions"`
	// GuestBusy is the simulated time, in seconds, spent in tasks on each
	// guest and in commands inside it: the length of that guest's critical
	// path, against which a deployment's wall time can be judged.
	GuestBusy map[int]float64 `json:"guest_busy_seconds"`
}

type stats struct {
	mu sync.Mutex
	s  Stats
}

func newStats() *stats {
	st := &stats{}
	st.reset()
	return st
}

func (st *stats) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s = Stats{Requests: map[string]int{}, Tasks: map[string]int{}, Commands: map[string]int{}, GuestBusy: map[int]float64{}, Writes: map[string]int{},
		SSHSessions: map[string]int{}}
}

func (st *stats) countRequest(method, route string) {
	st.mu.Lock()
	st.s.Requests[method+" "+route]++
	st.mu.Unlock()
}

func (st *stats) countTask(typ string) {
	st.mu.Lock()
	st.s.Tasks[typ]++
	st.mu.Unlock()
}

func (st *stats) countCommand(name string) {
	st.mu.Lock()
	st.s.Commands[name]++
	st.mu.Unlock()
}

func (st *stats) countSession(node string) {
	st.mu.Lock()
	st.s.SSHSessions[node]++
	st.mu.Unlock()
}

func (st *stats) countBusy(vmid int, d time.Duration) {
	st.mu.Lock()
	st.s.GuestBusy[vmid] += d.Seconds()
	st.mu.Unlock()
}

func (st *stats) countFault() {
	st.mu.Lock()
	st.s.Faults++
	st.mu.Unlock()
}

func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	return Stats{Requests: maps.Clone(st.s.Requests), Tasks: maps.Clone(st.s.Tasks), Commands: maps.Clone(st.s.Commands), Faults: st.s.Faults,
		GuestBusy: maps.Clone(st.s.GuestBusy), Writes: maps.Clone(st.s.Writes), SSHSessions: maps.Clone(st.s.SSHSessions)}
}
