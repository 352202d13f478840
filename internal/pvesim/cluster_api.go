package pvesim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const nodeBaseMem = 2 * gib

var bootTime = time.Now()

// versionInfo is GET /version (pve-manager PVE/API2.pm version): the
// pve-manager build of the release answered.
type versionInfo struct {
	Version string `json:"version"`
	Release string `json:"release"`
	RepoID  string `json:"repoid"`
	// Console is datacenter.cfg's console, when set (kept "until the next
	// major release" in both 8.x and 9.x).
	Console string `json:"console,omitempty"`
}

func (s *Simulator) getVersion(*request) (any, error) {
	rel := s.rel()
	return versionInfo{
		Version: rel.version, Release: rel.release, RepoID: rel.repoID,
		Console: s.readDatacenterConfig().values["console"],
	}, nil
}

// nodeUsage is what a node's running guests take: memory and CPU.
func (s *Simulator) nodeUsage(n *node) (mem int64, cpu float64) {
	mem = nodeBaseMem
	for _, g := range s.guests {
		if g.Node != n.Name {
			continue
		}
		if g.Running {
			mem += g.memoryMB() * mib
			cpu += 0.01 * float64(g.cores())
		}
	}
	return mem, cpu / float64(n.MaxCPU)
}

func (s *Simulator) nodeJSON(n *node) map[string]any {
	mem, cpu := s.nodeUsage(n)
	status := "online"
	if !n.Online {
		status = "offline"
	}
	return map[string]any{
		"node": n.Name, "status": status, "cpu": cpu, "maxcpu": n.MaxCPU, "mem": mem, "maxmem": n.MaxMem,
		"disk": 12 * gib, "maxdisk": 94 * gib, "uptime": int64(time.Since(bootTime).Seconds()) + 86400,
		"level": "", "id": "node/" + n.Name, "type": "node",
		"ssl_fingerprint": "5E:3A:6C:1F:0B:9D:44:21:7A:C3:8E:52:90:AB:CD:EF:10:32:54:76:98:BA:DC:FE:01:23:45:67:89:AB:CD:EF",
	}
}

// listNodes lists every node; usage figures only where the caller holds
// Sys.Audit (Nodes.pm, extract_node_stats).
func (s *Simulator) listNodes(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]any, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, s.auditedNodeJSON(r, n))
	}
	return out, nil
}

func (s *Simulator) auditedNodeJSON(r *request, n *node) map[string]any {
	item := s.nodeJSON(n)
	if !r.acc.has(r.authid, "/nodes/"+n.Name, "Sys.Audit") {
		for _, k := range []string{"cpu", "maxcpu", "mem", "maxmem", "disk", "maxdisk", "uptime"} {
			delete(item, k)
		}
	}
	return item
}

func (s *Simulator) nodeStatus(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	mem, cpu := s.nodeUsage(n)
	rel := s.rel()
	memory := map[string]any{"total": n.MaxMem, "used": mem, "free": n.MaxMem - mem}
	if s.release != release84 {
		// PVE 9's Nodes.pm status adds MemAvailable; 8.4's has no such key.
		memory["available"] = n.MaxMem - mem
	}
	return map[string]any{
		"cpu": cpu, "wait": 0.0002, "idle": 0,
		"cpuinfo": map[string]any{"cpus": n.MaxCPU, "cores": n.MaxCPU, "sockets": 1, "model": "QEMU Virtual CPU version 2.5+", "mhz": "2999.998",
			"hvm": "1", "user_hz": 100, "flags": "fpu vme de pse tsc msr pae"},
		"memory":     memory,
		"swap":       map[string]any{"total": 8 * gib, "used": 0, "free": 8 * gib},
		"rootfs":     map[string]any{"total": 94 * gib, "used": 12 * gib, "free": 82 * gib, "avail": 77 * gib},
		"ksm":        map[string]any{"shared": 0},
		"uptime":     int64(time.Since(bootTime).Seconds()) + 86400,
		"loadavg":    []string{"0.12", "0.18", "0.15"},
		"kversion":   rel.kversion(),
		"pveversion": rel.pveversion(),
		"current-kernel": map[string]any{
			"sysname": "Linux", "release": rel.kernelRelease, "machine": "x86_64", "version": rel.kernelVersion,
		},
		"boot-info": map[string]any{"mode": "efi", "secureboot": 0},
	}, nil
}

func (s *Simulator) clusterStatus(*request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{map[string]any{
		"type": "cluster", "id": "cluster", "name": s.clusterName, "nodes": len(s.nodes), "quorate": boolInt(s.quorate()), "version": len(s.nodes) + 2,
	}}
	for i, n := range s.nodes {
		online := 0
		if n.Online {
			online = 1
		}
		local := 0
		if i == 0 {
			local = 1
		}
		out = append(out, map[string]any{
			"type": "node", "id": "node/" + n.Name, "name": n.Name, "ip": n.IP, "nodeid": i + 1,
			"online": online, "local": local, "level": "",
		})
	}
	return out, nil
}

// nextID answers like PVE: the lowest free id as a string, or the asked id
// when free. Nothing is reserved, so two callers can get the same id.
func (s *Simulator) nextID(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.has("vmid") {
		id := r.vmid()
		if _, taken := s.guests[id]; taken {
			return nil, paramFail("vmid", fmt.Sprintf("VM %d already exists", id))
		}
		return strconv.Itoa(id), nil
	}
	lower, upper := s.readDatacenterConfig().nextIDRange() // nextid.go
	for id := lower; id < upper; id++ {
		if _, taken := s.guests[id]; !taken {
			return strconv.Itoa(id), nil
		}
	}
	return nil, fail("unable to get any free VMID in range [%d, %d]", lower, upper)
}

func (s *Simulator) clusterResources(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	typ := r.params["type"]
	out := s.poolResources(r, typ) // pools.go; Cluster.pm lists them first
	if typ == "" || typ == "vm" {
		for _, g := range s.sortedGuests() {
			if !r.acc.has(r.authid, "/vms/"+itoa(g.VMID), "VM.Audit") {
				continue
			}
			item := s.guestStatusJSON(g)
			item["id"] = "lxc/" + strconv.Itoa(g.VMID)
			item["node"] = g.Node
			item["type"] = "lxc"
			guestPool(r, item, g.VMID) // pools.go
			item["maxcpu"] = item["cpus"]
			delete(item, "cpus")
			for _, k := range []string{"maxswap", "swap", "pid", "ha"} {
				delete(item, k)
			}
			if s.clock.simulatedAge(g.CreatedAt) < 10*time.Second {
				item["status"] = "unknown"
			}
			out = append(out, item)
		}
	}
	if typ == "" || typ == "node" {
		for _, n := range s.nodes {
			out = append(out, s.auditedNodeJSON(r, n))
		}
	}
	if typ == "" || typ == "storage" {
		out = append(out, s.storageResources(r)...)
	}
	if typ == "sdn" || typ == "" {
		for _, n := range s.nodes {
			if !r.acc.has(r.authid, "/sdn/zones/localnetwork", "SDN.Audit") {
				continue
			}
			out = append(out, map[string]any{"id": "sdn/" + n.Name + "/localnetwork", "sdn": "localnetwork", "node": n.Name, "type": "sdn", "status": "ok"})
		}
		out = append(out, s.sdnResources(r)...) // sdn_api.go
	}
	return out, nil
}

func (s *Simulator) sortedGuests() []*guest {
	s.syncGuests()
	out := make([]*guest, 0, len(s.guests))
	for _, g := range s.guests {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].VMID < out[j].VMID })
	return out
}

func (s *Simulator) clusterTasks(r *request) (any, error) {
	s.mu.Lock()
	var all []*task
	for _, n := range s.nodes {
		all = append(all, n.Tasks...)
	}
	s.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].StartTime > all[j].StartTime })
	out := make([]any, 0, len(all))
	auditor := r.acc.has(r.authid, "/", "Sys.Audit")
	for _, tk := range all {
		// Cluster.pm compares the task's user, a token's shortened to its
		// user, with the caller: a token sees none here without Sys.Audit.
		owner := tk.User
		if m := tokenIDRe.FindStringSubmatch(owner); m != nil {
			owner = m[1]
		}
		if !auditor && owner != r.authid {
			continue
		}
		item := tk.listJSON()
		item["saved"] = "1"
		out = append(out, item)
	}
	return out, nil
}

func (s *Simulator) findTask(nodeName, upid string) (*task, error) {
	if _, err := parseUPID(upid); err != nil {
		return nil, paramFail("upid", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(nodeName)
	for i := len(n.Tasks) - 1; i >= 0; i-- {
		if n.Tasks[i].UPID == upid {
			return n.Tasks[i], nil
		}
	}
	return nil, &apiError{Status: http.StatusInternalServerError, Message: "no such task"}
}

func (s *Simulator) taskIndex(r *request) (any, error) {
	if _, err := s.findTask(r.node(), r.params["upid"]); err != nil {
		return nil, err
	}
	return []any{map[string]any{"name": "log"}, map[string]any{"name": "status"}}, nil
}

func (s *Simulator) taskStatus(r *request) (any, error) {
	tk, err := s.findTask(r.node(), r.params["upid"])
	if err != nil {
		return nil, err
	}
	if aerr := r.checkTaskAccess(tk, "Sys.Audit"); aerr != nil {
		return nil, aerr
	}
	return tk.statusJSON(), nil
}

// taskLog pages the log: start (0-based line), limit (default 50), total.
func (s *Simulator) taskLog(r *request) (any, error) {
	tk, err := s.findTask(r.node(), r.params["upid"])
	if err != nil {
		return nil, err
	}
	if aerr := r.checkTaskAccess(tk, "Sys.Audit"); aerr != nil {
		return nil, aerr
	}
	lines := tk.logLines()
	start := atoiDefault(r.params["start"], 0)
	limit := atoiDefault(r.params["limit"], 50)
	out := []any{}
	for i := start; i < len(lines) && len(out) < limit; i++ {
		out = append(out, map[string]any{"n": i + 1, "t": lines[i]})
	}
	return withTotal{data: out, total: len(lines)}, nil
}

// withTotal makes the handler's answer carry "total" beside "data".
type withTotal struct {
	data  any
	total int
}

func (s *Simulator) stopTask(r *request) (any, error) {
	tk, err := s.findTask(r.node(), r.params["upid"])
	if err != nil {
		return nil, err
	}
	if aerr := r.checkTaskAccess(tk, "Sys.Modify"); aerr != nil {
		return nil, aerr
	}
	if tk.cancel != nil {
		tk.cancel()
	}
	return nil, nil
}

func (s *Simulator) listTasks(r *request) (any, error) {
	s.mu.Lock()
	tasks := append([]*task(nil), s.nodeByName(r.node()).Tasks...)
	s.mu.Unlock()
	vmid, typ, source := r.params["vmid"], r.params["typefilter"], r.params["source"]
	auditor := r.acc.has(r.authid, "/nodes/"+r.node(), "Sys.Audit")
	var matched []any
	for i := len(tasks) - 1; i >= 0; i-- {
		tk := tasks[i]
		item := tk.listJSON()
		running := item["status"] == nil
		switch {
		case !auditor && !taskOwnedBy(tk, r.authid),
			vmid != "" && tk.ID != vmid,
			typ != "" && tk.Type != typ,
			source == "active" && !running,
			(source == "" || source == "archive") && running,
			r.bool("errors") && (running || item["status"] == "OK"):
			continue
		}
		matched = append(matched, item)
	}
	start := atoiDefault(r.params["start"], 0)
	limit := atoiDefault(r.params["limit"], 50)
	out := []any{}
	for i := start; i < len(matched) && len(out) < limit; i++ {
		out = append(out, matched[i])
	}
	return withTotal{data: out, total: len(matched)}, nil
}

// taskOwnedBy is check_task_user of pve-manager's Tasks.pm: a token owns its
// own tasks; a user owns its tasks and those of its tokens.
func taskOwnedBy(tk *task, authid string) bool {
	if m := tokenIDRe.FindStringSubmatch(tk.User); m != nil {
		return authid == tk.User || authid == m[1]
	}
	return authid == tk.User
}

// checkTaskAccess: a task's owner may read and stop it; anyone else needs
// the privilege on the task's node (pve-manager PVE/API2/Tasks.pm).
func (r *request) checkTaskAccess(tk *task, priv string) *apiError {
	if taskOwnedBy(tk, r.authid) {
		return nil
	}
	return r.acc.check(r.authid, "/nodes/"+r.node(), priv)
}

// storageResource is a storage entry of /cluster/resources
// (pve-manager PVE/API2Tools.pm extract_storage_stats). Sizes come from the
// node's storage RRD, which pvestatd writes only for an active storage:
// without them the entry has no disk or maxdisk and its status is "unknown".
type storageResource struct {
	ID         string `json:"id"`
	Storage    string `json:"storage"`
	Node       string `json:"node"`
	Type       string `json:"type"`
	PluginType string `json:"plugintype"`
	Status     string `json:"status"`
	Shared     int    `json:"shared"`
	Content    string `json:"content"`
	Disk       *int64 `json:"disk,omitempty"`
	MaxDisk    *int64 `json:"maxdisk,omitempty"`
}

// storageResources lists, for each storage the caller may audit, one entry
// per node where storage_check_enabled passes (Cluster.pm resources): a
// disabled storage, or one restricted to other nodes, has no entry at all.
func (s *Simulator) storageResources(r *request) []any {
	cfg := s.storageCfg()
	var out []any
	for _, id := range cfg.storageIDs() {
		if !r.acc.has(r.authid, "/storage/"+id, "Datastore.Audit") {
			continue
		}
		sec := cfg.ids[id]
		for _, n := range s.nodes {
			if sec.disabled() || !sec.availableOn(n.Name) {
				continue
			}
			entry := storageResource{
				ID: "storage/" + n.Name + "/" + id, Storage: id, Node: n.Name, Type: "storage",
				PluginType: sec.Type, Status: "unknown", Shared: boolInt(sec.shared()), Content: strings.Join(sec.content(), ","),
			}
			if info := s.storageInfoOf(n, sec); info.Active == 1 {
				entry.Status, entry.Disk, entry.MaxDisk = "available", &info.Used, &info.Total
			}
			out = append(out, entry)
		}
	}
	return out
}
