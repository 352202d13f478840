package pvesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// guestOpRoutes registers the paths of clone, template, migrate and move_volume of containers.
func (s *Simulator) guestOpRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/nodes/{node}/lxc/{vmid}/clone":       {"POST": s.cloneGuest},
		"/nodes/{node}/lxc/{vmid}/template":    {"POST": s.templateGuest},
		"/nodes/{node}/lxc/{vmid}/migrate":     {"POST": s.migrateGuest},
		"/nodes/{node}/lxc/{vmid}/move_volume": {"POST": s.moveVolume},
		"/nodes/{node}/lxc/{vmid}/pending":     {"GET": s.guestPending},
	}
}

// templateGuest is POST .../template (src/PVE/API2/LXC.pm "template"): the
// checks run under the config lock, then a vztemplate worker makes the
// volumes base volumes; the call itself answers null. The worker is forked
// inside lock_config, so it keeps the lock until it ends: a clone sent right
// after this call waits for it and finds a template.
func (s *Simulator) templateGuest(r *request) (any, error) {
	release, aerr := s.lockGuestConfig(s.ctx, r.node(), r.vmid(), configLockTimeout)
	if aerr != nil {
		return nil, aerr
	}
	handedOver := false
	defer func() {
		if !handedOver {
			release()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if err := checkUnlocked(g); err != nil {
		return nil, err
	}
	switch {
	case len(g.Snapshots) > 0:
		return nil, fail("unable to create template, because CT contains snapshots")
	case g.Config["template"] == "1":
		return nil, fail("you can't convert a template to a template")
	case g.Running:
		return nil, fail("you can't convert a CT to template if the CT is running")
	}
	n := s.nodeByName(g.Node)
	handedOver = true
	s.startTask(n, "vztemplate", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		defer release()
		if err := t.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.convertToTemplate(n, g)
		g.Config["template"] = "1"
		s.writeGuestConf(g)
		return nil
	})
	return nil, nil
}

// convertToTemplate is PVE::LXC::template_create: each volume mount point
// becomes a base volume (vdisk_create_base renames vm- to base-, subvol- to
// basevol-) and the config points at it.
func (s *Simulator) convertToTemplate(n *node, g *guest) {
	for k, v := range g.Config {
		if !isMountKey(k) {
			continue
		}
		mp, err := s.parseMountPoint(k, v)
		if err != nil || mp.kind() != "volume" {
			continue
		}
		vol := s.volumeOf(n, mp.volume())
		if vol == nil {
			continue
		}
		newID := baseVolumeID(vol.VolID)
		if newID == vol.VolID {
			continue
		}
		st := n.Storages[storageOf(vol.VolID)]
		delete(st.Volumes, vol.VolID)
		vol.VolID = newID
		st.Volumes[newID] = vol
		mp.Values["volume"] = newID
		g.Config[k] = s.printMountPoint(mp)
	}
	g.Config["template"] = "1"
}

// baseVolumeID is the name create_base gives a volume.
func baseVolumeID(volid string) string {
	sid, name, _ := strings.Cut(volid, ":")
	dir, file := "", name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		dir, file = name[:i+1], name[i+1:]
	}
	switch {
	case strings.HasPrefix(file, "vm-"):
		file = "base-" + strings.TrimPrefix(file, "vm-")
	case strings.HasPrefix(file, "subvol-"):
		file = "basevol-" + strings.TrimPrefix(file, "subvol-")
	}
	return sid + ":" + dir + file
}

// moveVolume is POST .../move_volume to another storage (src/PVE/API2/LXC.pm
// move_volume): the volume is copied to a new one there, the config points
// at it, and the old one is freed (delete=1) or kept as unusedN. The checks
// and the 'disk' lock run under lock_config in the request
// ($move_to_storage_checks); the worker takes it again for the config write.
func (s *Simulator) moveVolume(r *request) (any, error) {
	storageID, target := r.params["storage"], r.params["target-vmid"]
	switch {
	case storageID != "" && target != "":
		// The handler dies with this before its parameter exception for
		// the same case is reached.
		return nil, fail("either set storage or target-vmid, but not both")
	case storageID == "" && target == "":
		msg := "both 'storage' and 'target-vmid' missing, either needs to be set"
		return nil, paramError(map[string]string{"target-vmid": msg, "storage": msg})
	case target != "":
		return s.reassignVolume(r)
	}
	if aerr := r.acc.check(r.authid, "/storage/"+storageID, "Datastore.AllocateSpace"); r.authid != "root@pam" && aerr != nil {
		return nil, aerr
	}
	release, lockErr := s.lockGuestConfig(s.ctx, r.node(), r.vmid(), configLockTimeout)
	if lockErr != nil {
		return nil, lockErr
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if err := checkUnlocked(g); err != nil {
		return nil, err
	}
	if g.Running {
		return nil, fail("cannot move volumes of a running container")
	}
	key := r.params["volume"]
	if isIndexedKey(key, "unused") {
		return nil, fail("cannot move volume '%s', only configured volumes can be moved to another storage", key)
	}
	mp, perr := s.parseMountPoint(key, g.Config[key])
	if perr != nil || mp.volume() == "" {
		return nil, fail("unable to parse volume '%s'", key)
	}
	oldID := mp.volume()
	if r.bool("delete") && s.volumeInSnapshots(g, oldID) {
		return nil, fail("you can't move a volume with snapshots and delete the source")
	}
	if d := r.params["digest"]; d != "" && d != g.digest() {
		return nil, fail("detected modified configuration - file changed by other user? Try again.")
	}
	n := s.nodeByName(g.Node)
	g.Lock = "disk"
	s.writeGuestConf(g)
	del := r.bool("delete")
	tk := s.startTask(n, "move_volume", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		err := t.sleep(time.Second)
		if err == nil {
			var release func()
			release, err = t.lockConfig(n.Name, g.VMID)
			if err == nil {
				defer release()
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		defer func() { g.Lock = ""; s.writeGuestConf(g) }()
		if err != nil {
			return err
		}
		old := s.volumeOf(n, oldID)
		size := mp.size()
		if old != nil {
			size = old.Size
		}
		nv, aerr := s.allocDisk(n, storageID, g.VMID, size)
		if aerr != nil {
			return fmt.Errorf("%s", aerr.Message)
		}
		t.logf("moving volume '%s' to storage '%s' as '%s'", oldID, storageID, nv.VolID)
		if g.Config["template"] == "1" {
			st := n.Storages[storageID]
			delete(st.Volumes, nv.VolID)
			nv.VolID = baseVolumeID(nv.VolID)
			st.Volumes[nv.VolID] = nv
		}
		cur, perr := s.parseMountPoint(key, g.Config[key])
		if perr != nil {
			return perr
		}
		cur.Values["volume"] = nv.VolID
		cur.Values["size"] = strconv.FormatInt(nv.Size, 10)
		g.Config[key] = s.printMountPoint(cur)
		if del {
			// vdisk_free may refuse (a base volume a linked clone uses):
			// the task warns and the volume stays as unusedN.
			if err := s.checkBaseUnused(n, oldID); err != nil {
				t.warnf("%v", err)
			} else {
				s.freeVolume(n, oldID)
				return nil
			}
		}
		if aerr := addUnusedVolume(g.Config, oldID); aerr != nil {
			return fmt.Errorf("%s", aerr.Message)
		}
		return nil
	})
	return tk.UPID, nil
}

// volumeInSnapshots is is_volume_in_use_by_snapshots.
func (s *Simulator) volumeInSnapshots(g *guest, volid string) bool {
	for _, snap := range g.Snapshots {
		for k, v := range snap.Config {
			if isMountKey(k) {
				if mp, err := s.parseMountPoint(k, v); err == nil && mp.volume() == volid {
					return true
				}
			}
		}
	}
	return false
}
