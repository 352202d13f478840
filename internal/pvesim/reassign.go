package pvesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// reassignVolume is move_volume with target-vmid (src/PVE/API2/LXC.pm
// move_volume, $load_and_check_reassign_configs and $volume_reassignfn):
// the volume is renamed to the target container's next disk name, leaves
// the source config and joins the target's, as a mount point (through
// update_pct_config) or as unusedN. The worker does it all under the
// source's config lock and, inside it, the target's.
func (s *Simulator) reassignVolume(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vmid := r.vmid()
	targetID, _ := strconv.Atoi(r.params["target-vmid"])
	key := r.params["volume"]
	targetKey := r.params["target-volume"]
	if targetKey == "" {
		targetKey = key
	}
	if r.authid != "root@pam" {
		if aerr := r.acc.checkVMPerm(r.authid, targetID, "", "VM.Config.Disk"); aerr != nil {
			return nil, aerr
		}
	}
	src, _, mp, aerr := s.checkReassign(r, vmid, targetID, key, targetKey)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := r.acc.check(r.authid, "/storage/"+storageOf(mp.volume()), "Datastore.AllocateSpace"); r.authid != "root@pam" && aerr != nil {
		return nil, aerr
	}
	n := s.nodeByName(src.Node)
	taskID := fmt.Sprintf("%d-%s>%d-%s", vmid, key, targetID, targetKey)
	tk := s.startTask(n, "move_volume", taskID, r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		releaseSource, err := t.lockConfig(n.Name, vmid)
		if err != nil {
			return err
		}
		defer releaseSource()
		if targetID != vmid {
			releaseTarget, err := t.lockConfig(n.Name, targetID)
			if err != nil {
				return err
			}
			defer releaseTarget()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		src, dst, mp, aerr := s.checkReassign(r, vmid, targetID, key, targetKey)
		if aerr != nil {
			return fmt.Errorf("%s", aerr.Message)
		}
		t.logf("moving volume '%s' from container '%d' to '%d'", key, vmid, targetID)
		newID := s.renameVolume(n, mp.volume(), targetID)
		mp.Values["volume"] = newID
		delete(src.Config, key)
		t.logf("removing volume '%s' from container '%d' config", key, vmid)
		s.writeGuestConf(src)
		if isIndexedKey(targetKey, "unused") {
			dst.Config[targetKey] = newID
		} else {
			mp.Key = targetKey
			next := make(map[string]string, len(dst.Config))
			for k, v := range dst.Config {
				next[k] = v
			}
			p := newPendingState(dst)
			p.values[targetKey] = s.printMountPoint(mp)
			sel := map[string]bool{targetKey: true}
			var aerr *apiError
			if dst.Running {
				aerr = s.hotplugPending(dst, n, next, p, sel)
			} else {
				aerr = s.applyPending(dst, n, next, p, sel)
			}
			if aerr != nil {
				t.warnf("%s", aerr.Message)
			}
			dst.Config, dst.Pending = next, p.section()
		}
		s.writeGuestConf(dst)
		t.logf("target container '%d' updated with '%s'", targetID, targetKey)
		return nil
	})
	return tk.UPID, nil
}

// checkReassign is $load_and_check_reassign_configs.
func (s *Simulator) checkReassign(r *request, vmid, targetID int, key, targetKey string) (*guest, *guest, mountPoint, *apiError) {
	var none mountPoint
	if key == "rootfs" || targetKey == "rootfs" {
		return nil, nil, none, fail("Cannot move to/from 'rootfs'")
	}
	if isIndexedKey(key, "unused") && !isIndexedKey(targetKey, "unused") {
		return nil, nil, none, fail("Moving an unused volume to a used one is not possible")
	}
	src, ok := s.currentGuest(vmid)
	if !ok {
		return nil, nil, none, fail("could not find CT %d", vmid)
	}
	dst, ok := s.currentGuest(targetID)
	if !ok {
		return nil, nil, none, fail("could not find CT %d", targetID)
	}
	if src.Node != dst.Node {
		return nil, nil, none, fail("Both containers need to be on the same node (%s != %s)", src.Node, dst.Node)
	}
	if err := checkUnlocked(src); err != nil {
		return nil, nil, none, err
	}
	if err := checkUnlocked(dst); err != nil {
		return nil, nil, none, err
	}
	if src.Config["template"] == "1" || dst.Config["template"] == "1" {
		return nil, nil, none, fail("Can't move volumes from or to template CT")
	}
	if d := r.params["digest"]; d != "" && d != src.digest() {
		return nil, nil, none, fail("Container %d: detected modified configuration - file changed by other user? Try again.", vmid)
	}
	if d := r.params["target-digest"]; d != "" && d != dst.digest() {
		return nil, nil, none, fail("Container %d: detected modified configuration - file changed by other user? Try again.", targetID)
	}
	if _, ok := src.Config[key]; !ok {
		return nil, nil, none, fail("volume '%s' for container '%d' does not exist", key, vmid)
	}
	if _, ok := dst.Config[targetKey]; ok {
		return nil, nil, none, fail("Target volume key '%s' is already in use for container '%d'", targetKey, targetID)
	}
	mp, err := s.parseMountPoint(key, src.Config[key])
	if err != nil || mp.volume() == "" {
		return nil, nil, none, fail("Volume '%s' has no associated image", key)
	}
	if s.volumeInSnapshots(src, mp.volume()) {
		return nil, nil, none, fail("Cannot move volume used by a snapshot to another container")
	}
	if mp.kind() != "volume" {
		return nil, nil, none, fail("Cannot move a bindmount or device mount to another container")
	}
	if src.Running && !isIndexedKey(key, "unused") {
		return nil, nil, none, fail("Cannot move in-use volume while the source CT is running - detach or shutdown first")
	}
	return src, dst, mp, nil
}

// renameVolume is rename_volume: the volume gets the target guest's next
// free disk name on the same storage.
func (s *Simulator) renameVolume(n *node, volid string, targetID int) string {
	st := n.Storages[storageOf(volid)]
	v := s.volumeOf(n, volid)
	if st == nil || v == nil {
		return volid
	}
	name, _ := diskVolname(st, targetID, nextDiskName(st, targetID))
	if _, old, _ := strings.Cut(volid, ":"); strings.HasPrefix(old, "subvol-") {
		name = fmt.Sprintf("subvol-%d-disk-%d", targetID, nextDiskName(st, targetID))
	}
	delete(st.Volumes, volid)
	v.VolID, v.VMID = st.ID+":"+name, targetID
	st.Volumes[v.VolID] = v
	return v.VolID
}
