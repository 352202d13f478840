package pvesim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// The vzrestore worker of create_vm (pve-container src/PVE/API2/LXC.pm, the
// $code run under lock_config), in its order: recover the archive's config
// (src/PVE/LXC/Create.pm recover_config), check what it brings, pick its
// mount points, allocate the disks, destroy the container restored over,
// extract, merge the configs (sanitize_and_merge_config) and write the
// result without the lock.

// restoreRun is one worker's progress, which decides its clean-up.
type restoreRun struct {
	job *restoreJob
	g   *guest // the guest holding the 'create' lock
	// destroyConfig is create_vm's $destroy_config_on_error: set for a new
	// VMID, and for any restore once it starts changing the container.
	destroyConfig bool
	made          []*volume // create_disks' $vollist
}

// restoreFailure is a step's reason to fail the task; the worker wraps it
// as create_vm's "unable to restore CT <vmid> - <reason>".
type restoreFailure struct{ reason string }

func (e *restoreFailure) Error() string { return e.reason }

func restoreFail(format string, args ...any) error {
	return &restoreFailure{reason: fmt.Sprintf(format, args...)}
}

// recovered is what recover_config returns: the archived config, its raw
// lxc.* lines, and the volume it came from.
type recovered struct {
	backup *volume
	config map[string]string
	lxc    [][2]string
}

// runRestore is the task body. On failure it frees the disks it made and
// removes the config when it had started changing the container (or when
// the VMID is new); otherwise it only takes the 'create' lock away, so a
// guest restored over is left as it was.
func (s *Simulator) runRestore(t *taskCtx, job *restoreJob, g *guest) error {
	// The worker runs the restore inside lock_config. When that lock cannot
	// be had, create_vm's $realcmd removes the 'create' lock of a guest
	// restored over and leaves a new VMID's lock-only config behind, and the
	// task ends with the lock's own message.
	unlock, err := t.lockConfig(job.n.Name, job.vmid)
	if err != nil {
		if job.sameExists {
			s.mu.Lock()
			if s.loadGuestConf(g) && g.Lock == "create" {
				g.Lock = ""
				s.writeGuestConf(g)
			}
			s.mu.Unlock()
		}
		return err
	}
	defer unlock()
	run := &restoreRun{job: job, g: g, destroyConfig: !job.sameExists}
	err = s.restoreSteps(t, run)
	if err == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.freeVolumes(job.n, run.made)
	if run.destroyConfig {
		s.removeGuestConf(g)
		if s.guests[g.VMID] == g {
			delete(s.guests, g.VMID)
		}
	} else if s.loadGuestConf(g) && g.Lock == "create" {
		// remove_lock: the old config as it was, without the lock.
		g.Lock = ""
		s.writeGuestConf(g)
	}
	var rf *restoreFailure
	if errors.As(err, &rf) {
		return fmt.Errorf("unable to restore CT %d - %s", job.vmid, rf.reason)
	}
	return err
}

// restoreSteps runs the worker up to its last write; an error is either a
// restoreFailure or the task's interruption.
func (s *Simulator) restoreSteps(t *taskCtx, run *restoreRun) error {
	job, g := run.job, run.g
	s.mu.Lock()
	conf, delayed, rec, err := s.restorePrepare(t, run)
	s.mu.Unlock()
	if err != nil {
		return err
	}

	fromPBS := rec.backup.Format == "pbs-ct"
	t.logf("restoring '%s' now..", job.archive)
	// A PBS archive is restored by proxmox-backup-client, which prints
	// nothing (Create.pm restore_proxmox_backup_archive); a vzdump file is
	// extracted by tar, which prints its path and --totals
	// (restore_tar_archive).
	if !fromPBS {
		t.logf("extracting archive '%s'", backupArchivePath(job.n, rec.backup))
	}
	if err := t.sleep(3 * time.Second); err != nil {
		return err
	}
	if err := s.faults.taskFailure("vzrestore"); err != nil {
		return restoreFail("%s", err.Error())
	}
	if !fromPBS {
		t.logf("Total bytes read: %d (%dMiB, %dMiB/s)", rec.backup.Size*2, rec.backup.Size*2/mib, 150)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	tree := vfs.New()
	tree.Import(rec.backup.Archive.Files)
	g.RootFS = tree
	t.logf("merging backed-up and given configuration..")
	if err := s.mergeArchiveConfig(t, job, conf, rec); err != nil {
		return err
	}
	// create_vm's defaults come after the merge, so the archive's win.
	if conf["hostname"] == "" {
		conf["hostname"] = "CT" + strconv.Itoa(job.vmid)
	}
	if conf["memory"] == "" || conf["memory"] == "0" {
		conf["memory"] = "512"
	}
	if _, ok := conf["swap"]; !ok {
		conf["swap"] = "512"
	}
	for k, v := range delayed {
		conf[k] = v
	}
	g.Config, g.Lxc = conf, nil
	if job.isRoot {
		// Only root gets the archive's raw lxc.* lines back
		// ($conf->{lxc} = $orig_conf->{lxc} if $is_root).
		g.Lxc = slices.Clone(rec.lxc)
	}
	if rec.config["template"] == "1" {
		t.logf("Convert restored container to template...")
		s.convertToTemplate(job.n, g)
	}
	g.Lock = ""
	s.guests[job.vmid] = g
	s.writeGuestConf(g)
	if job.pool != "" {
		s.addToPool(job.vmid, job.pool)
	}
	if job.start {
		s.powerOn(g)
	}
	return nil
}

// restorePrepare is the worker's part before the extraction, with s.mu
// held: the running check, recover_config and the checks of what the
// archive brings (nothing is changed yet, so a failure leaves a guest
// restored over as it was), then the mount points, the new disks and the
// destruction of the old container's volumes. It returns the config so
// far (the request's options, the restored mount points, unprivileged)
// and the bind and device mount points put back after the extraction.
func (s *Simulator) restorePrepare(t *taskCtx, run *restoreRun) (map[string]string, map[string]string, *recovered, error) {
	job, g := run.job, run.g
	// load_config under the lock: the file is read as it is now.
	if !s.loadGuestConf(g) {
		return nil, nil, nil, errors.New(noSuchGuest(g.Node, g.VMID).Message)
	}
	if job.sameExists && g.Running {
		return nil, nil, nil, restoreFail("can't overwrite running container")
	}
	oldConf := g.Config
	oldUnprivileged := job.sameExists && oldConf["unprivileged"] == "1"

	t.logf("recovering backed-up configuration from '%s'", job.archive)
	rec, err := s.recoverConfig(job.n, job.archive)
	if err != nil {
		return nil, nil, nil, err
	}
	conf := make(map[string]string, len(job.given))
	for k, v := range job.given {
		conf[k] = v
	}
	if u, ok := rec.config["unprivileged"]; ok && !job.r.has("unprivileged") {
		conf["unprivileged"] = u
	}
	if err := s.checkRestoredPrivileges(job, conf, rec.config, oldUnprivileged); err != nil {
		return nil, nil, nil, err
	}

	mounts, delayed := job.mounts, map[string]string{}
	if mounts == nil {
		if mounts, delayed, err = s.archiveMounts(t, job, rec.config); err != nil {
			return nil, nil, nil, err
		}
	}

	// Up to here only the lock changed the container.
	run.destroyConfig = true
	made, aerr := s.createDisks(job.n, job.vmid, mounts, conf)
	if aerr != nil {
		return nil, nil, nil, restoreFail("%s", apiErrorText(aerr))
	}
	run.made = made
	// The config always holds the lock, so more than that is an old
	// container: destroy_lxc_container frees its volumes and leaves a
	// config of the lock alone.
	if len(oldConf) > 0 {
		if err := s.destroyRestoredOver(t, job, g); err != nil {
			return nil, nil, nil, err
		}
	}
	return conf, delayed, rec, nil
}

// recoverConfig is recover_config (Create.pm): the archive's storage must
// be enabled (storage_check_enabled), a vzdump file must be there
// (abs_filesystem_path) and hold a pct.conf (extract_vzdump_config_tar).
// A path names a backup file by where it lies.
func (s *Simulator) recoverConfig(n *node, archive string) (*recovered, error) {
	var backup *volume
	if sid, _, ok := strings.Cut(archive, ":"); ok && !strings.HasPrefix(archive, "/") {
		st, aerr := s.enabledStorage(n, sid)
		if aerr != nil {
			return nil, restoreFail("%s", aerr.Message)
		}
		backup = st.Volumes[archive]
		if backup == nil && st.Type == "pbs" {
			return nil, restoreFail("volume '%s' does not exist", archive)
		}
	} else {
		backup = backupAtPath(n, archive)
	}
	if backup == nil {
		return nil, restoreFail("can't find file '%s'", archive)
	}
	if backup.Content != "backup" || backup.Archive == nil {
		return nil, restoreFail("ERROR: archive contains no configuration file")
	}
	return &recovered{backup: backup, config: backup.Archive.Config, lxc: backup.Archive.Lxc}, nil
}

// backupAtPath finds the backup file a path names on the node's storages.
func backupAtPath(n *node, path string) *volume {
	for _, st := range n.Storages {
		for _, v := range st.Volumes {
			if v.Content == "backup" && storageVolumePath(st, v) == path {
				return v
			}
		}
	}
	return nil
}

// checkRestoredPrivileges is create_vm's early check of what the archive
// brings, right after recover_config: the bridges of its network devices
// the request does not set, then the privileged container it may make.
// PVE 8 asks VM.Allocate to turn an unprivileged guest privileged; PVE 9
// asks Sys.Modify on / for any privileged result but over an already
// privileged guest.
func (s *Simulator) checkRestoredPrivileges(job *restoreJob, conf, archived map[string]string, oldUnprivileged bool) error {
	if job.isRoot {
		return nil
	}
	r := job.r
	bridges := map[string]string{}
	for k, v := range archived {
		if isIndexedKey(k, "net") {
			bridges[k] = v
		}
	}
	bridges["unprivileged"] = conf["unprivileged"]
	old := (*guest)(nil)
	if oldUnprivileged && s.release != release91 {
		old = &guest{VMID: job.vmid, Config: map[string]string{"unprivileged": "1"}}
	}
	if aerr := s.checkArchivePerms(r, old, bridges); aerr != nil {
		return restoreFail("%s", aerr.Message)
	}
	if s.release == release91 && (!job.sameExists || oldUnprivileged) && conf["unprivileged"] != "1" {
		if aerr := r.acc.check(r.authid, "/", "Sys.Modify"); aerr != nil {
			return restoreFail("%s", aerr.Message)
		}
	}
	return nil
}

// archiveMounts is create_vm's $storage_only_mode: the archive's rootfs
// and mpN, each volume recreated on the restore's storage with its archived
// size; bind and device mount points are root@pam's, never the rootfs, and
// are put back after the extraction.
func (s *Simulator) archiveMounts(t *taskCtx, job *restoreJob, archived map[string]string) (map[string]string, map[string]string, error) {
	if archived["rootfs"] == "" {
		return nil, nil, restoreFail("rootfs configuration could not be recovered, please check and specify manually!")
	}
	mounts, delayed := map[string]string{}, map[string]string{}
	for _, k := range volumeKeys(archived) {
		mp, err := s.parseMountPoint(k, archived[k])
		if err != nil {
			return nil, nil, restoreFail("%s", err.Error())
		}
		if kind := mp.kind(); kind != "volume" {
			if k == "rootfs" {
				return nil, nil, restoreFail("restoring rootfs to %s mount is only possible by specifying -rootfs manually!", kind)
			}
			if !job.isRoot {
				return nil, nil, restoreFail("restoring '%s' to %s mount is only possible for root", k, kind)
			}
			if mp.Values["backup"] == "1" {
				// Plain warn()s: printed, not counted as task warnings.
				t.logf("WARNING - unsupported configuration!")
				t.logf("backup was enabled for %s mount point %s ('%s')", kind, k, mp.Values["mp"])
				t.logf("mount point configuration will be restored after archive extraction!")
				t.logf("contained files will be restored to wrong directory!")
			}
			delayed[k] = s.printMountPoint(mp)
			continue
		}
		if _, ok := mp.Values["size"]; !ok {
			return nil, nil, restoreFail("unable to detect disk size - please specify %s (size)", k)
		}
		mp.Values["volume"] = job.storage + ":" + strconv.FormatFloat(float64(mp.size())/float64(gib), 'f', -1, 64)
		delete(mp.Values, "size")
		mounts[k] = s.printMountPoint(mp)
	}
	return mounts, delayed, nil
}

// destroyRestoredOver is destroy_lxc_container with the replacement config
// { lock => 'create' } (src/PVE/LXC.pm): every volume of the old config
// the guest owns is freed (delete_mountpoint_volume; another's is left with
// a warning), and the config keeps only the lock.
func (s *Simulator) destroyRestoredOver(t *taskCtx, job *restoreJob, g *guest) error {
	seen := map[string]bool{}
	var volids []string
	for _, cfg := range []map[string]string{g.Config, g.Pending} {
		for _, k := range sortedKeys(cfg) {
			if !isMountKey(k) && !isIndexedKey(k, "unused") {
				continue
			}
			mp, err := s.parseMountPoint(k, cfg[k])
			if err != nil || mp.kind() != "volume" || seen[mp.volume()] {
				continue
			}
			seen[mp.volume()] = true
			volids = append(volids, mp.volume())
		}
	}
	for _, volid := range volids {
		_, volname, _ := strings.Cut(volid, ":")
		if _, owner := volumeKind(volname); owner != job.vmid {
			t.logf("ignore deletion of '%s', CT %d isn't the owner!", volid, job.vmid)
			continue
		}
		if err := s.checkBaseUnused(job.n, volid); err != nil {
			return restoreFail("%s", err.Error())
		}
		s.freeVolume(job.n, volid)
	}
	g.Config, g.Lxc, g.Pending, g.Snapshots = map[string]string{}, nil, nil, nil
	g.RootFS = vfs.New()
	s.writeGuestConf(g)
	return nil
}

// mergeArchiveConfig is sanitize_and_merge_config (Create.pm), run by
// restore_configuration after the extraction: each archived option the
// request did not give, never its rootfs, mount points, unused volumes,
// template or unprivileged flags; with unique=1 every network device of the
// archive comes back with a new MAC address (over a given one of the same
// name). A restricted restore (anyone but root@pam) skips the raw lxc.*
// lines with a warning, and the features of an unprivileged archive that
// becomes privileged.
func (s *Simulator) mergeArchiveConfig(t *taskCtx, job *restoreJob, conf map[string]string, rec *recovered) error {
	restricted := !job.isRoot
	for _, k := range sortedKeys(rec.config) {
		v := rec.config[k]
		switch {
		case k == "digest" || k == "rootfs" || k == "unprivileged" || k == "parent" || k == "template":
			continue
		case isIndexedKey(k, "mp") || isIndexedKey(k, "unused"):
			continue
		case restricted && k == "features" && conf["unprivileged"] != "1" && rec.config["unprivileged"] == "1":
			t.logf("changing from unprivileged to privileged, skipping features")
			continue
		}
		if isIndexedKey(k, "net") {
			if _, given := conf[k]; !given && restricted {
				if aerr := job.r.acc.checkBridgeAccess(job.r.authid, v); aerr != nil {
					return restoreFail("%s", aerr.Message)
				}
			}
			if job.unique {
				net, err := s.canonicalNet(removeProperty(v, "hwaddr"))
				if err != nil {
					return restoreFail("%s", err.Error())
				}
				conf[k] = net
				continue
			}
		}
		if _, given := conf[k]; !given {
			conf[k] = v
		}
	}
	if restricted {
		logSkippedLxc(t, rec.lxc)
	}
	return nil
}

// apiErrorText is an API error as a die message: its text, or for a
// parameter error the parameter's.
func apiErrorText(e *apiError) string {
	for _, k := range sortedKeys(e.Errors) {
		return k + ": " + e.Errors[k]
	}
	return e.Message
}
