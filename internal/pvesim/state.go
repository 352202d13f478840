package pvesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

const stateVersion = 1

// stateFile is the -state file: everything needed to bring the same cluster back.
type stateFile struct {
	Version int `json:"version"`
	// Release is the PVE release the cluster was made as; files written
	// before releases existed are 8.4 clusters.
	Release     string       `json:"release,omitempty"`
	ClusterName string       `json:"cluster_name"`
	Secrets     *secrets     `json:"secrets"`
	IPSeq       int          `json:"ip_seq"`
	Nodes       []nodeState  `json:"nodes"`
	Guests      []guestState `json:"guests"`
	ClusterFS   []vfs.Entry  `json:"cluster_fs"`
}

type nodeState struct {
	Name     string         `json:"name"`
	IP       string         `json:"ip"`
	MaxMem   int64          `json:"maxmem"`
	MaxCPU   int            `json:"maxcpu"`
	Storages []storageState `json:"storages"`
	Files    []vfs.Entry    `json:"files"`
	PIDSeq   int            `json:"pid_seq"`
	Tasks    []taskState    `json:"tasks"`
}

type storageState struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Content []string  `json:"content"`
	Total   int64     `json:"total"`
	Volumes []*volume `json:"volumes"`
}

type guestState struct {
	VMID      int               `json:"vmid"`
	Node      string            `json:"node"`
	Config    map[string]string `json:"config"`
	Running   bool              `json:"running"`
	Files     []vfs.Entry       `json:"files"`
	IP        string            `json:"ip,omitempty"`
	StartedAt time.Time         `json:"started_at"`
	PID       int               `json:"pid,omitempty"`
}

// taskState keeps finished tasks so their logs survive a restart.
type taskState struct {
	UPID       string   `json:"upid"`
	EndTime    int64    `json:"endtime"`
	ExitStatus string   `json:"exitstatus"`
	Log        []string `json:"log"`
}

// loadState reads the state file; false when there is none yet.
func (s *Simulator) loadState() (bool, error) {
	if s.opts.StatePath == "" {
		return false, nil
	}
	raw, err := os.ReadFile(s.opts.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading state file %s: %w", s.opts.StatePath, err)
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return false, fmt.Errorf("state file %s is corrupt (%v); fix or remove it, or pass another -state path", s.opts.StatePath, err)
	}
	if st.Version != stateVersion || st.Secrets == nil || len(st.Nodes) == 0 {
		return false, fmt.Errorf("state file %s is not a simulator state of version %d; remove it or pass another -state path", s.opts.StatePath,
			stateVersion)
	}
	if st.Release == "" {
		st.Release = release84
	}
	if checkRelease(st.Release) != nil {
		return false, fmt.Errorf("state file %s holds a cluster of PVE %q, which this simulator does not answer as; remove it or pass another -state path",
			s.opts.StatePath, st.Release)
	}
	if s.release != "" && s.release != st.Release {
		return false, fmt.Errorf("state file %s holds a PVE %s cluster, not %s; start with -pve-version %s, or pass another -state path", s.opts.StatePath,
			st.Release, s.release, st.Release)
	}
	s.release = st.Release
	s.sec = st.Secrets
	s.clusterName = st.ClusterName
	s.ipSeq = st.IPSeq
	s.cfs = vfs.New()
	s.cfs.Import(st.ClusterFS)
	s.installCFSLockHook()
	for _, ns := range st.Nodes {
		n := &node{Name: ns.Name, IP: ns.IP, MaxMem: ns.MaxMem, MaxCPU: ns.MaxCPU, FS: vfs.New(), Online: true, Storages: map[string]*storage{},
			pidSeq: ns.PIDSeq, flocks: shell.NewLockTable()}
		n.FS.Import(ns.Files)
		for _, ss := range ns.Storages {
			stg := &storage{ID: ss.ID, Type: ss.Type, Content: ss.Content, Total: ss.Total, Volumes: map[string]*volume{}}
			for _, v := range ss.Volumes {
				stg.Volumes[v.VolID] = v
			}
			n.Storages[ss.ID] = stg
		}
		for _, ts := range ns.Tasks {
			tk, err := parseUPID(ts.UPID)
			if err != nil {
				return false, fmt.Errorf("state file %s: %w", s.opts.StatePath, err)
			}
			tk.Status, tk.ExitStatus, tk.EndTime, tk.Log = "stopped", ts.ExitStatus, ts.EndTime, ts.Log
			tk.done = make(chan struct{})
			close(tk.done)
			n.Tasks = append(n.Tasks, tk)
		}
		s.nodes = append(s.nodes, n)
	}
	for _, gs := range st.Guests {
		if s.nodeByName(gs.Node) == nil {
			return false, fmt.Errorf("state file %s: guest %d on unknown node %q", s.opts.StatePath, gs.VMID, gs.Node)
		}
		g := &guest{VMID: gs.VMID, Node: gs.Node, Config: gs.Config, Running: gs.Running, RootFS: vfs.New(), IP: gs.IP, StartedAt: gs.StartedAt,
			PID: gs.PID}
		g.RootFS.Import(gs.Files)
		s.guests[g.VMID] = g
	}
	if err := s.checkStateTopology(); err != nil {
		return false, err
	}
	return true, nil
}

// snapshot copies the cluster under the lock; tasks still running are left
// out, and their guests' locks with them, as a restarted PVE node would.
func (s *Simulator) snapshot() stateFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := *s.sec // a copy: the file is written after the lock is released
	st := stateFile{Version: stateVersion, Release: s.release, ClusterName: s.clusterName, Secrets: &sec, IPSeq: s.ipSeq, ClusterFS: s.cfs.Export("/")}
	for _, n := range s.nodes {
		ns := nodeState{Name: n.Name, IP: n.IP, MaxMem: n.MaxMem, MaxCPU: n.MaxCPU, Files: n.FS.Export("/"), PIDSeq: n.pidSeq}
		for _, stg := range sortedStorages(n) {
			ss := storageState{ID: stg.ID, Type: stg.Type, Content: stg.Content, Total: stg.Total}
			for _, v := range stg.Volumes {
				ss.Volumes = append(ss.Volumes, v)
			}
			ns.Storages = append(ns.Storages, ss)
		}
		for _, tk := range n.Tasks {
			tk.mu.Lock()
			if tk.Status == "stopped" {
				ns.Tasks = append(ns.Tasks, taskState{UPID: tk.UPID, EndTime: tk.EndTime, ExitStatus: tk.ExitStatus, Log: tk.Log})
			}
			tk.mu.Unlock()
		}
		st.Nodes = append(st.Nodes, ns)
	}
	for _, g := range s.sortedGuests() {
		if g.Lock == "create" {
			continue
		}
		st.Guests = append(st.Guests, guestState{VMID: g.VMID, Node: g.Node, Config: g.Config, Running: g.Running, Files: g.RootFS.Export("/"), IP: g.IP,
			StartedAt: g.StartedAt, PID: g.PID})
	}
	return st
}

// saveState writes the state file atomically: a temporary file beside it,
// fsync, rename. A failed write leaves the previous state intact.
func (s *Simulator) saveState() error {
	raw, err := json.Marshal(s.snapshot())
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.opts.StatePath)
	tmp, err := os.CreateTemp(dir, ".pvesim-state-*")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.opts.StatePath)
}

// persistSoon asks the persist loop to save; callers may hold s.mu.
func (s *Simulator) persistSoon() {
	select {
	case s.persistCh <- struct{}{}:
	default:
	}
}

// persistLoop saves at most once a second while changes come in, so a killed
// simulator loses at most a second of work.
func (s *Simulator) persistLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.persistCh:
			if err := s.saveState(); err != nil {
				s.opts.Logf("pvesim: %v", err)
			}
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}
