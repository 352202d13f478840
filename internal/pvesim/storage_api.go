package pvesim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

func sortedStorages(n *node) []*storage {
	out := make([]*storage, 0, len(n.Storages))
	for _, st := range n.Storages {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Simulator) storageUsed(st *storage) int64 {
	var used int64
	for _, v := range st.Volumes {
		used += v.Size
	}
	if st.Type == "dir" {
		used += 3 * gib // the node's own files on the root file system
	}
	return used
}

func (s *Simulator) storageFree(st *storage) int64 {
	if st == nil {
		return 0
	}
	return st.Total - s.storageUsed(st)
}

// nodeStorage finds the storage of a request's path on its node, with the
// messages of storage_config and storage_check_node (Storage.pm).
func (s *Simulator) nodeStorage(r *request) (*node, *storage, *apiError) {
	n := s.nodeByName(r.node())
	id := r.params["storage"]
	cfg := s.storageCfg()
	if cfg.ids[id] == nil {
		return nil, nil, fail("storage '%s' does not exist", id)
	}
	st, ok := n.Storages[id]
	if !ok {
		return nil, nil, storageMissingOnNode(cfg.ids[id], n)
	}
	return n, st, nil
}

// findVolume resolves a volid ("local:vztmpl/x.tar.zst", a PBS one such as
// "pbs:backup/ct/100/2026-11-25T10:00:00Z") on a node.
func (s *Simulator) findVolume(n *node, volid string) (*volume, *apiError) {
	storageID, _, ok := strings.Cut(volid, ":")
	if !ok {
		return nil, fail("unable to parse volume ID '%s'", volid)
	}
	s.syncStorages()
	st, ok := n.Storages[storageID]
	if !ok {
		return nil, fail("storage '%s' does not exist", storageID)
	}
	v, ok := st.Volumes[volid]
	if !ok {
		return nil, fail("volume '%s' does not exist", volid)
	}
	return v, nil
}

// storageInfo is one entry of storage_info (Storage.pm) for a node: every
// configured storage, enabled when not disabled and available on the node,
// active and with its sizes only when enabled.
type storageInfo struct {
	Storage      string   `json:"storage,omitempty"`
	Type         string   `json:"type"`
	Content      string   `json:"content"`
	Enabled      int      `json:"enabled"`
	Active       int      `json:"active"`
	Shared       int      `json:"shared"`
	Total        int64    `json:"total"`
	Used         int64    `json:"used"`
	Avail        int64    `json:"avail"`
	UsedFraction *float64 `json:"used_fraction,omitempty"`
	// Format is plugindata's format ([{format: 1, ...}, default]), with format=1.
	Format []any `json:"format,omitempty"`
}

func (s *Simulator) storageInfoOf(n *node, sec *storageDef) storageInfo {
	info := storageInfo{
		Type: sec.Type, Content: strings.Join(sec.content(), ","),
		Shared: boolInt(sec.shared()),
	}
	st := n.Storages[sec.ID]
	if sec.foreign && !sec.disabled() && sec.availableOn(n.Name) {
		// Enabled, but the simulator cannot activate it.
		info.Enabled = 1
		return info
	}
	if sec.disabled() || st == nil {
		return info
	}
	info.Enabled, info.Active = 1, 1
	info.Used = s.storageUsed(st)
	info.Total, info.Avail = st.Total, st.Total-info.Used
	return info
}

// listStorages is GET /nodes/{node}/storage (API2/Storage/Status.pm index).
func (s *Simulator) listStorages(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	cfg := s.storageCfg()
	wanted := splitList(r.params["content"])
	target := r.params["target"]
	if target == n.Name || target == "localhost" {
		target = ""
	}
	infos := map[string]storageInfo{}
	for _, id := range cfg.storageIDs() {
		sec := cfg.ids[id]
		info := s.storageInfoOf(n, sec)
		// storage_info leaves out storages without a wanted content type,
		// and, when content is asked for, the ones not enabled here.
		if r.has("content") && (!containsAny(sec.content(), wanted) || info.Enabled == 0) {
			continue
		}
		infos[id] = info
	}
	if id := r.params["storage"]; id != "" {
		if _, ok := infos[id]; !ok {
			return nil, paramFail("storage", "No such storage.")
		}
	}
	out := []storageInfo{}
	for _, id := range cfg.storageIDs() {
		info, ok := infos[id]
		sec := cfg.ids[id]
		switch {
		case !ok:
			continue
		case !r.acc.hasAny(r.authid, "/storage/"+id, "Datastore.Audit", "Datastore.AllocateSpace"):
			continue
		case r.params["storage"] != "" && r.params["storage"] != id:
			continue
		// Only the disable flag counts here: a storage of other nodes is
		// listed with enabled=0 even when enabled=1 is asked for.
		case r.bool("enabled") && sec.disabled():
			continue
		case target != "" && (!sec.shared() || !sec.availableOn(n.Name) || !sec.availableOn(target)):
			continue
		}
		info.Storage = id
		if p := s.storagePluginsOf()[sec.Type]; r.bool("format") && info.Enabled == 1 && p != nil && p.formats != nil {
			set := map[string]int{}
			for _, f := range p.formats {
				set[f] = 1
			}
			info.Format = []any{set, p.defaultFormat}
		}
		if info.Total > 0 {
			f := float64(info.Used) / float64(info.Total)
			info.UsedFraction = &f
		}
		out = append(out, info)
	}
	return out, nil
}

// storageStatus is GET /nodes/{node}/storage/{storage}/status (Status.pm read_status).
func (s *Simulator) storageStatus(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	cfg := s.storageCfg()
	sec := cfg.ids[r.params["storage"]]
	if sec == nil {
		return nil, paramFail("storage", "No such storage.")
	}
	return s.storageInfoOf(n, sec), nil
}

func containsAny(list, wanted []string) bool {
	for _, w := range wanted {
		if slices.Contains(list, w) {
			return true
		}
	}
	return false
}

func volumeJSON(v *volume) map[string]any {
	item := map[string]any{"volid": v.VolID, "content": v.Content, "format": v.Format, "size": v.Size, "ctime": v.CTime}
	if v.VMID != 0 {
		item["vmid"] = v.VMID
	}
	if v.Content == "backup" {
		item["subtype"] = "lxc"
		if v.Notes != "" {
			item["notes"] = firstLine(v.Notes)
		}
		if v.Protected {
			item["protected"] = 1
		}
	}
	return item
}

// listContent is GET /nodes/{node}/storage/{storage}/content (volume_list
// in Storage.pm): the storage must be usable here, and only volumes of the
// content types the storage is configured for are listed.
func (s *Simulator) listContent(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _, err := s.nodeStorage(r)
	if err != nil {
		return nil, err
	}
	st, err := s.enabledStorage(n, r.params["storage"])
	if err != nil {
		return nil, err
	}
	content, vmid := r.params["content"], r.vmid()
	if content != "" && !slices.Contains(st.Content, content) {
		return []any{}, nil
	}
	vols := make([]*volume, 0, len(st.Volumes))
	for _, v := range st.Volumes {
		listed := slices.Contains(st.Content, v.Content) || (v.Content == "rootdir" && slices.Contains(st.Content, "images"))
		if listed && (content == "" || v.Content == content) && (vmid == 0 || v.VMID == vmid) &&
			r.acc.checkVolumeAccess(r.authid, 0, v.VolID, "") == nil {
			vols = append(vols, v)
		}
	}
	sort.Slice(vols, func(i, j int) bool { return strings.ToLower(vols[i].VolID) < strings.ToLower(vols[j].VolID) })
	out := make([]any, 0, len(vols))
	for _, v := range vols {
		out = append(out, volumeJSON(v))
	}
	return out, nil
}

// volumeParam accepts "local:backup/x" or "backup/x" relative to the storage.
func volumeParam(r *request) string {
	vol := r.params["volume"]
	if !strings.Contains(vol, ":") {
		vol = r.params["storage"] + ":" + vol
	}
	return vol
}

func (s *Simulator) storageVolume(r *request) (*node, *storage, *volume, *apiError) {
	n, st, err := s.nodeStorage(r)
	if err != nil {
		return nil, nil, nil, err
	}
	volid := volumeParam(r)
	v, ok := st.Volumes[volid]
	if !ok {
		return nil, nil, nil, fail("volume '%s' does not exist", volid)
	}
	return n, st, v, nil
}

func volumePath(v *volume) string {
	_, name, _ := strings.Cut(v.VolID, ":")
	switch v.Content {
	case "backup":
		return "/var/lib/vz/dump/" + strings.TrimPrefix(name, "backup/")
	case "vztmpl":
		return "/var/lib/vz/template/cache/" + strings.TrimPrefix(name, "vztmpl/")
	}
	return "/dev/pve/" + name
}

// storageVolumePath is a volume's path as its storage's plugin names it
// (Plugin.pm filesystem_path, LvmThinPlugin.pm and ZFSPoolPlugin.pm path,
// PBSPlugin.pm path).
func storageVolumePath(st *storage, v *volume) string {
	_, name, _ := strings.Cut(v.VolID, ":")
	sec := st.Section
	if sec == nil {
		return volumePath(v)
	}
	switch st.Type {
	case "pbs":
		return pbsVolumePath(sec, strings.TrimPrefix(name, "backup/"))
	case "lvmthin", "lvm":
		return "/dev/" + sec.Opts["vgname"] + "/" + name
	case "zfspool":
		if strings.HasPrefix(name, "subvol-") || strings.HasPrefix(name, "basevol-") {
			return "/" + sec.Opts["pool"] + "/" + name
		}
		return "/dev/zvol/" + sec.Opts["pool"] + "/" + name
	}
	kind, rest, ok := strings.Cut(name, "/")
	if !ok {
		return storageBasePath(st) + "/images/" + strconv.Itoa(v.VMID) + "/" + name
	}
	switch kind {
	case "backup":
		return storageBasePath(st) + "/dump/" + rest
	case "vztmpl", "iso", "import":
		return contentDir(st, kind) + "/" + rest
	case "snippets":
		return storageBasePath(st) + "/snippets/" + rest
	}
	return storageBasePath(st) + "/images/" + name
}

func (s *Simulator) getVolume(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, st, v, err := s.storageVolume(r)
	if err != nil {
		return nil, err
	}
	if aerr := r.acc.checkVolumeAccess(r.authid, 0, v.VolID, ""); aerr != nil {
		return nil, aerr
	}
	out := map[string]any{"path": storageVolumePath(st, v), "size": v.Size, "used": v.Size, "format": v.Format}
	if v.Notes != "" {
		out["notes"] = v.Notes
	}
	out["protected"] = map[bool]int{true: 1, false: 0}[v.Protected]
	return out, nil
}

func (s *Simulator) putVolume(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, v, err := s.storageVolume(r)
	if err != nil {
		return nil, err
	}
	if aerr := r.acc.checkVolumeAccess(r.authid, 0, v.VolID, ""); aerr != nil {
		return nil, aerr
	}
	if v.Content != "backup" && (r.has("notes") || r.has("protected")) {
		return nil, fail("volume notes and protection are only supported for backups")
	}
	if r.has("notes") {
		v.Notes = r.params["notes"]
	}
	if r.has("protected") {
		v.Protected = r.bool("protected")
	}
	s.persistSoon()
	return nil, nil
}

func (s *Simulator) deleteVolume(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, st, v, err := s.storageVolume(r)
	if err != nil {
		return nil, err
	}
	if aerr := r.acc.checkVolumeDelete(r.authid, v.VolID); aerr != nil {
		return nil, aerr
	}
	if v.Content == "rootdir" || v.Content == "images" {
		if g, ok := s.guests[v.VMID]; ok && g.Node == n.Name {
			return nil, fail("unable to delete volume '%s' - volume is used by CT %d", v.VolID, v.VMID)
		}
	}
	// PVE names the task after the owner and the storage: "100@local".
	taskID := st.ID
	if v.VMID != 0 {
		taskID = itoa(v.VMID) + "@" + st.ID
	}
	tk := s.startTask(n, "imgdel", taskID, r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(300 * time.Millisecond); err != nil {
			return err
		}
		if err := s.faults.taskFailure("imgdel"); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if v.Protected {
			return fmt.Errorf("cannot remove protected archive '%s'", storageVolumePath(st, v))
		}
		t.logf("Removed volume '%s'", v.VolID)
		delete(st.Volumes, v.VolID)
		return nil
	})
	return tk.UPID, nil
}
