package pvesim

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// migrateGuest is POST /nodes/{node}/lxc/{vmid}/migrate (src/PVE/API2/LXC.pm
// migrate_vm with src/PVE/LXC/Migrate.pm): a running container moves only in
// restart mode (shut down, moved, started on the target); its volumes on
// local storages move to the same storage of the target node and its config
// file moves to the target node's directory. AbstractMigrate.pm migrate runs
// every phase inside lock_vm, which is lock_config on the source node (a lock
// that cannot be had aborts the migration with lock_file's message).
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
	n := s.nodeByName(g.Node)
	tk := s.startTask(n, "vzmigrate", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
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
		vols, perr := s.prepareMigration(g, n, tn, online, restart)
		wasRunning := g.Running
		if perr == nil && wasRunning {
			logm("shutdown CT %d", g.VMID)
			s.powerOff(g)
		}
		if perr == nil {
			logm("starting migration of CT %d to node '%s' (%s)", g.VMID, tn.Name, tn.IP)
			g.Lock = "migrate"
			s.writeGuestConf(g)
			for _, v := range vols {
				logm("found local volume '%s' (in current VM config)", v)
			}
		}
		s.mu.Unlock()
		if perr != nil {
			return abort(perr)
		}
		if err := t.sleep(2 * time.Second); err != nil {
			return s.unlockAfter(g, err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, volid := range vols {
			s.moveVolumeToNode(n, tn, volid)
			logm("volume '%s' is '%s' on the target", volid, volid)
		}
		s.moveGuestConf(g, tn)
		logm("start final cleanup")
		g.Lock = ""
		s.writeGuestConf(g)
		if wasRunning {
			logm("start container on target node")
			s.powerOn(g)
		}
		logm("migration finished successfully (duration %s)", migrationDuration(started))
		return nil
	})
	return tk.UPID, nil
}

// prepareMigration is Migrate.pm's prepare: the guest must be unlocked, a
// running one needs restart mode, bind and device mount points must be
// shared, and every volume's storage must take container directories on the
// target. It returns the volumes to move (all volumes of local storages,
// unused ones included).
func (s *Simulator) prepareMigration(g *guest, n, tn *node, online, restart bool) ([]string, error) {
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
	var vols []string
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
		st := n.Storages[sid]
		if st == nil {
			return nil, fmt.Errorf("storage '%s' does not exist", sid)
		}
		if !containsString(st.Content, "rootdir") {
			return nil, fmt.Errorf("content type 'rootdir' is not available on storage '%s'", sid)
		}
		tst := tn.Storages[sid]
		if tst == nil {
			return nil, fmt.Errorf("storage '%s' is not available on node '%s'", sid, tn.Name)
		}
		if !containsString(tst.Content, "rootdir") {
			return nil, fmt.Errorf("%s: content type 'rootdir' is not available on storage '%s'", mp.volume(), sid)
		}
		if !st.shared() {
			vols = append(vols, mp.volume())
		}
	}
	return vols, nil
}

// moveVolumeToNode moves a local volume to the same storage of another node.
func (s *Simulator) moveVolumeToNode(from, to *node, volid string) {
	sid := storageOf(volid)
	v := s.volumeOf(from, volid)
	if v == nil || to.Storages[sid] == nil {
		return
	}
	delete(from.Storages[sid].Volumes, volid)
	to.Storages[sid].Volumes[volid] = v
}

// migrationDuration formats like AbstractMigrate: HH:MM:SS.
func migrationDuration(start time.Time) string {
	d := int(time.Since(start).Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", d/3600, d/60%60, d%60)
}
