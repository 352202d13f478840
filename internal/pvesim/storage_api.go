package pvesim

import (
	"fmt"
	"slices"
	"sort"
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

func (s *Simulator) storageUsed(n *node, st *storage) int64 {
	var used int64
	for _, v := range st.Volumes {
		used += v.Size
	}
	if st.Type == "dir" {
		used += 3 * gib // the node's own files on the root file system
	}
	return used
}

func (s *Simulator) storageFree(n *node, st *storage) int64 {
	if st == nil {
		return 0
	}
	return st.Total - s.storageUsed(n, st)
}

func (s *Simulator) nodeStorage(r *request) (*node, *storage, *apiError) {
	n := s.nodeByName(r.node())
	st, ok := n.Storages[r.params["storage"]]
	if !ok {
		return nil, nil, fail("storage '%s' does not exist", r.params["storage"])
	}
	return n, st, nil
}

// findVolume resolves a volid ("local:vztmpl/x.tar.zst") on a node.
func (s *Simulator) findVolume(n *node, volid string) (*volume, *apiError) {
	storageID, _, ok := strings.Cut(volid, ":")
	if !ok {
		return nil, fail("unable to parse volume ID '%s'", volid)
	}
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

func (s *Simulator) listStorages(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	out := []any{}
	for _, st := range sortedStorages(n) {
		if c := r.params["content"]; c != "" && !containsAny(st.Content, strings.Split(c, ",")) {
			continue
		}
		if id := r.params["storage"]; id != "" && id != st.ID {
			continue
		}
		if !r.acc.hasAny(r.authid, "/storage/"+st.ID, "Datastore.Audit", "Datastore.AllocateSpace") {
			continue
		}
		used := s.storageUsed(n, st)
		out = append(out, map[string]any{
			"storage": st.ID, "type": st.Type, "content": strings.Join(st.Content, ","),
			"active": 1, "enabled": 1, "shared": 0, "total": st.Total, "used": used,
			"avail": st.Total - used, "used_fraction": float64(used) / float64(st.Total),
		})
	}
	return out, nil
}

func (s *Simulator) storageStatus(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, st, err := s.nodeStorage(r)
	if err != nil {
		return nil, err
	}
	used := s.storageUsed(n, st)
	return map[string]any{
		"type": st.Type, "content": strings.Join(st.Content, ","), "active": 1, "enabled": 1, "shared": 0,
		"total": st.Total, "used": used, "avail": st.Total - used,
	}, nil
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

func (s *Simulator) listContent(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, st, err := s.nodeStorage(r)
	if err != nil {
		return nil, err
	}
	content, vmid := r.params["content"], r.vmid()
	if content != "" && !slices.Contains(st.Content, content) {
		return []any{}, nil
	}
	vols := make([]*volume, 0, len(st.Volumes))
	for _, v := range st.Volumes {
		if (content == "" || v.Content == content) && (vmid == 0 || v.VMID == vmid) &&
			r.acc.checkVolumeAccess(r.authid, 0, v.VolID, "") == nil {
			vols = append(vols, v)
		}
	}
	sort.Slice(vols, func(i, j int) bool { return vols[i].VolID < vols[j].VolID })
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

func (s *Simulator) getVolume(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, v, err := s.storageVolume(r)
	if err != nil {
		return nil, err
	}
	if aerr := r.acc.checkVolumeAccess(r.authid, 0, v.VolID, ""); aerr != nil {
		return nil, aerr
	}
	out := map[string]any{"path": volumePath(v), "size": v.Size, "used": v.Size, "format": v.Format}
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
			return fmt.Errorf("cannot remove protected archive '%s'", volumePath(v))
		}
		t.logf("Removed volume '%s'", v.VolID)
		delete(st.Volumes, v.VolID)
		return nil
	})
	return tk.UPID, nil
}
