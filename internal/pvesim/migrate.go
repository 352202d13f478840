package pvesim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"
)

// migrateGuest is POST /nodes/{node}/lxc/{vmid}/migrate (src/PVE/API2/LXC.pm
// migrate_vm with src/PVE/LXC/Migrate.pm): a running container moves only in
// restart mode (shut down, moved, started on the target); its volumes on
// local storages move to the storage 'target-storage' maps them to (the same
// one by default) on the target node, and its config file moves to the
// target node's directory. AbstractMigrate.pm migrate runs every phase
// inside lock_vm, which is lock_config on the source node (a lock that
// cannot be had aborts the migration with lock_file's message).
func (s *Simulator) migrateGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	target := r.params["target"]
	if target == r.node() {
		return nil, paramFail("target", "target is local node.")
	}
	tn := s.nodeByName(target)
	if tn == nil {
		return nil, fail("no such cluster node '%s'", target)
	}
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	online, restart := r.bool("online"), r.bool("restart")
	if g.Running && !online && !restart {
		return nil, fail("can't migrate running container without --online or --restart")
	}
	smap, err := s.migrateStorageMap(r, g, tn)
	if err != nil {
		return nil, err
	}
	n := s.nodeByName(g.Node)
	tk := s.startTask(n, "vzmigrate", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		return s.runMigration(t, g, n, tn, smap, online, restart)
	})
	return tk.UPID, nil
}

// runMigration is AbstractMigrate.pm migrate under lock_vm: prepare (checks,
// then the shutdown of restart mode), phase1 (the volumes and the config
// move), final_cleanup (unlock and, in restart mode, start where the
// container now is). A failure in phase1 starts it again on the source; a
// failed start on the target ends the task "migration problems".
func (s *Simulator) runMigration(t *taskCtx, g *guest, n, tn *node, smap *storageMap, online, restart bool) error {
	started := time.Now()
	logm := func(format string, args ...any) {
		t.logf("%s %s", time.Now().Format("2006-01-02 15:04:05"), fmt.Sprintf(format, args...))
	}
	abort := func(err error) error {
		logm("ERROR: migration aborted (duration %s): %s", migrationDuration(started), err)
		return fmt.Errorf("migration aborted")
	}
	release, err := t.lockConfig(n.Name, g.VMID)
	if err != nil {
		return abort(err)
	}
	defer release()
	s.mu.Lock()
	vols, wasRunning, perr := s.beginMigration(g, n, tn, smap, online, restart, logm)
	s.mu.Unlock()
	if perr != nil {
		return abort(perr)
	}
	if err := t.sleep(2 * time.Second); err != nil {
		return s.unlockAfter(g, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vols {
		moved := s.moveVolumeToNode(n, tn, v)
		s.updateVolumeID(g, v.volid, moved)
		logm("volume '%s' is '%s' on the target", v.volid, moved)
	}
	s.moveGuestConf(g, tn)
	logm("start final cleanup")
	g.Lock = ""
	s.writeGuestConf(g)
	if wasRunning {
		logm("start container on target node")
		// pct start over SSH on the target: a bridge it lacks fails the
		// start there (checkStartBridges), and the migration has problems.
		if err := s.checkStartBridges(g); err != nil {
			logm("ERROR: command 'pct start %d' failed: exit code 255", g.VMID)
			logm("ERROR: migration finished with problems (duration %s)", migrationDuration(started))
			return fmt.Errorf("migration problems")
		}
		s.powerOn(g)
	}
	logm("migration finished successfully (duration %s)", migrationDuration(started))
	return nil
}

// beginMigration is prepare and the start of phase1, with s.mu held: the
// checks, the shutdown of restart mode, the 'migrate' lock and phase1's
// check of the local volumes. A failure after the lock is phase1_cleanup
// and final_cleanup on the source: unlock, and start again what restart
// mode shut down.
func (s *Simulator) beginMigration(g *guest, n, tn *node, smap *storageMap, online, restart bool,
	logm func(string, ...any),
) (vols []migratingVolume, wasRunning bool, err error) {
	vols, err = s.prepareMigration(g, n, tn, smap, online, restart)
	if err != nil {
		return nil, false, err
	}
	wasRunning = g.Running
	if wasRunning {
		logm("shutdown CT %d", g.VMID)
		s.powerOff(g)
	}
	logm("starting migration of CT %d to node '%s' (%s)", g.VMID, tn.Name, tn.IP)
	g.Lock = "migrate"
	s.writeGuestConf(g)
	if err = s.checkMigratableVolumes(n, vols, logm); err != nil {
		logm("aborting phase 1 - cleanup resources")
		logm("start final cleanup")
		g.Lock = ""
		s.writeGuestConf(g)
		if wasRunning {
			logm("start container on source node")
			s.powerOn(g)
		}
	}
	return vols, wasRunning, err
}

// migratingVolume is a local volume and the storage it goes to.
type migratingVolume struct{ volid, target string }

// prepareMigration is Migrate.pm's prepare: the guest must be unlocked, a
// running one needs restart mode, bind and device mount points must be
// shared, every volume's storage must be enabled and take container
// directories, and so must the storage a local volume goes to on the target
// (storage_check_enabled, then the content). It returns the volumes to move
// (all volumes of local storages, unused ones included).
func (s *Simulator) prepareMigration(g *guest, n, tn *node, smap *storageMap, online, restart bool) ([]migratingVolume, error) {
	if g.Lock != "" {
		return nil, fmt.Errorf("CT is locked (%s)", g.Lock)
	}
	if g.Running {
		if online {
			return nil, fmt.Errorf("lxc live migration is currently not implemented")
		}
		if !restart {
			return nil, fmt.Errorf("running container can only be migrated in restart mode")
		}
	}
	keys := make([]string, 0, len(g.Config))
	for k := range g.Config {
		if isMountKey(k) || isIndexedKey(k, "unused") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var vols []migratingVolume
	for _, k := range keys {
		mp, err := s.parseMountPoint(k, g.Config[k])
		if err != nil {
			return nil, err
		}
		if mp.kind() != "volume" {
			if mp.Values["shared"] == "1" {
				continue
			}
			return nil, fmt.Errorf("cannot migrate local %s mount point '%s'", mp.kind(), k)
		}
		sid := storageOf(mp.volume())
		st, aerr := s.enabledStorage(n, sid)
		if aerr != nil {
			return nil, fmt.Errorf("%s", aerr.Message)
		}
		if !slices.Contains(st.Content, "rootdir") {
			return nil, fmt.Errorf("content type 'rootdir' is not available on storage '%s'", sid)
		}
		targetID := sid
		if !st.shared() {
			targetID = smap.mapID(sid)
		}
		tst, aerr := s.enabledStorage(tn, targetID)
		if aerr != nil {
			return nil, fmt.Errorf("%s", aerr.Message)
		}
		if !slices.Contains(tst.Content, "rootdir") {
			return nil, fmt.Errorf("%s: content type 'rootdir' is not available on storage '%s'", mp.volume(), targetID)
		}
		if !st.shared() {
			vols = append(vols, migratingVolume{mp.volume(), targetID})
		}
	}
	return vols, nil
}

// migratableStorageTypes are the local storage types phase1 can move
// (Migrate.pm phase1, "additional checks for local storage").
var migratableStorageTypes = []string{"dir", "zfspool", "lvmthin", "lvm", "btrfs"}

// checkMigratableVolumes is phase1's check of the local volumes: each one
// on a type it cannot move is logged, and the migration dies after the
// list, with the container already shut down.
func (s *Simulator) checkMigratableVolumes(n *node, vols []migratingVolume, logm func(string, ...any)) error {
	failed := false
	for _, v := range vols {
		st := n.Storages[storageOf(v.volid)]
		if st != nil && !slices.Contains(migratableStorageTypes, st.Type) {
			logm("WARN: can't migrate local volume '%s': storage type '%s' not supported", v.volid, st.Type)
			failed = true
		}
	}
	if failed {
		return fmt.Errorf("can't migrate CT - check log")
	}
	for _, v := range vols {
		logm("found local volume '%s' (in current VM config)", v.volid)
	}
	return nil
}

// moveVolumeToNode is storage_migrate with allow_rename: the volume goes to
// its target storage on the other node, under its own name when that is
// free and fits the storage's naming, else under the next free disk name
// there. It returns the volume's id on the target.
func (s *Simulator) moveVolumeToNode(from, to *node, v migratingVolume) string {
	vol := s.volumeOf(from, v.volid)
	tst := to.Storages[v.target]
	if vol == nil || tst == nil {
		return v.volid
	}
	delete(from.Storages[storageOf(v.volid)].Volumes, v.volid)
	newID := v.volid
	if v.target != storageOf(v.volid) || tst.Volumes[newID] != nil {
		name, format := diskVolname(tst, vol.VMID, nextDiskName(tst, vol.VMID))
		newID, vol.Format = v.target+":"+name, format
	}
	vol.VolID = newID
	tst.Volumes[newID] = vol
	return newID
}

// updateVolumeID is update_volume_ids for one volume: every mount point
// and unused entry that names it names the new one.
func (s *Simulator) updateVolumeID(g *guest, from, to string) {
	if from == to {
		return
	}
	for k, raw := range g.Config {
		if !isMountKey(k) && !isIndexedKey(k, "unused") {
			continue
		}
		mp, err := s.parseMountPoint(k, raw)
		if err != nil || mp.volume() != from {
			continue
		}
		mp.Values["volume"] = to
		g.Config[k] = s.printMountPoint(mp)
	}
}

// migrationDuration formats like AbstractMigrate: HH:MM:SS.
func migrationDuration(start time.Time) string {
	d := int(time.Since(start).Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", d/3600, d/60%60, d%60)
}
