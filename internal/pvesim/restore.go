package pvesim

import (
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// A container restore is POST /nodes/{node}/lxc with restore=1
// (pve-container src/PVE/API2/LXC.pm create_vm). The request only checks
// the parameters and the caller's rights, the storages it names, and takes
// the 'create' lock on the new or overwritten config
// (create_and_lock_config); everything that needs the archive happens in
// the vzrestore worker (restore_worker.go): recovering its config, its
// mount points, the new disks, destroying the container restored over,
// the extraction and the merge of the configs. A failure there fails the
// task as "unable to restore CT <vmid> - <reason>", never the call.

// restoreJob is what create_vm's request hands its worker.
type restoreJob struct {
	r       *request
	n       *node
	vmid    int
	archive string // the ostemplate parameter, a volid or a path
	storage string // the storage parameter, 'local' when not given
	// given is the config built from the request's own options
	// (update_pct_config of the non-disk parameters).
	given map[string]string
	// mounts are the rootfs and mpN given in the request, with a bare size
	// put on the default storage; nil when none is given
	// ($storage_only_mode): the archive's are restored then.
	mounts map[string]string
	// sameExists is create_vm's $same_container_exists: the config file is
	// on this node and the restore goes over it (force=1).
	sameExists bool
	isRoot     bool
	unique     bool
	start      bool
	pool       string
}

// restoreGuest is create_vm with restore=1, up to fork_worker, in the
// Perl's order.
func (s *Simulator) restoreGuest(r *request) (any, error) {
	// create_and_lock_config (pve-guest-common AbstractConfig.pm) writes the
	// 'create' lock under the VMID's config lock, waiting at most 5 s; it
	// dies with create_vm's "unable to restore CT N -" prefix.
	vmid := r.vmid()
	release, lockErr := s.lockGuestConfig(s.ctx, r.node(), vmid, createLockTimeout)
	if lockErr != nil {
		return nil, fail("unable to restore CT %d - %s", vmid, lockErr.Message)
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	force := r.bool("force")

	// $same_container_exists is -f on this node's config file; without it
	// (or without force) check_vmid_unused refuses any existing guest.
	old, exists := s.currentGuest(vmid)
	sameExists := exists && old.Node == n.Name
	switch {
	case exists && (!sameExists || !force):
		return nil, fail("CT %d already exists on node '%s'", vmid, old.Node)
	case sameExists && old.Running:
		return nil, fail("can't overwrite running container")
	case sameExists && old.Config["protection"] == "1":
		// check_protection with create_vm's message.
		return nil, fail("unable to restore CT %d - protection mode enabled", vmid)
	}
	var existing *guest
	if sameExists {
		existing = old
	}
	if aerr := s.checkCreatePerms(r, existing); aerr != nil {
		return nil, aerr
	}
	archive := r.params["ostemplate"]
	if aerr := s.checkRestoreArchive(archive); aerr != nil {
		return nil, aerr
	}
	storageID := r.params["storage"]
	if storageID == "" {
		storageID = "local"
	}
	job := &restoreJob{
		r: r, n: n, vmid: vmid, archive: archive, storage: storageID,
		sameExists: sameExists, isRoot: r.authid == "root@pam" || r.authid == "",
		unique: r.bool("unique"), start: r.bool("start"), pool: r.params["pool"],
	}
	// The mount points given, each on a storage that is enabled and takes
	// container directories; without any, the default storage is checked
	// (check_and_activate_storage), the archive's come in the worker.
	if hasMountParam(r) {
		mps, aerr := s.createMountParams(n, r, storageID)
		if aerr != nil {
			return nil, aerr
		}
		job.mounts = mps
	} else if aerr := checkRootdirStorage(n, storageID); aerr != nil {
		return nil, aerr
	}
	given, aerr := s.givenRestoreConfig(r)
	if aerr != nil {
		return nil, aerr
	}
	job.given = given

	// create_and_lock_config($vmid, $force): a config that is locked
	// already refuses the restore; otherwise it gets the 'create' lock,
	// and a new VMID a config file holding only that lock.
	g := existing
	if g != nil {
		if g.Lock != "" {
			return nil, fail("unable to restore CT %d - CT is locked (%s)", vmid, g.Lock)
		}
	} else {
		g = &guest{VMID: vmid, Node: n.Name, Config: map[string]string{}, RootFS: vfs.New(), CreatedAt: time.Now()}
		s.guests[vmid] = g
	}
	g.Lock = "create"
	s.writeGuestConf(g)
	// password and ssh-public-keys are only used by post_create_hook,
	// which a restore never runs: they are ignored.
	// create_and_lock_config has returned, and with it the lock, before
	// fork_worker: the worker takes lock_config afresh.
	release()
	tk := s.startTask(n, "vzrestore", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		return s.runRestore(t, job, g)
	})
	return tk.UPID, nil
}

// hasMountParam reports whether the request names a rootfs or mpN
// (create_vm's $storage_only_mode is the opposite).
func hasMountParam(r *request) bool {
	for k := range r.params {
		if isMountKey(k) {
			return true
		}
	}
	return false
}

// checkRestoreArchive is what check_volume_access (pve-storage
// src/PVE/Storage.pm) checks of the archive for anyone, root@pam included:
// parse_volname needs its storage to be configured, and the volume must be
// a backup. Whether the file is there is only found out by the worker's
// recover_config. A path (no storage) is root@pam's alone, which
// checkCreatePerms has decided already.
func (s *Simulator) checkRestoreArchive(archive string) *apiError {
	sid, volname, ok := strings.Cut(archive, ":")
	if !ok || strings.HasPrefix(archive, "/") {
		return nil
	}
	if s.storageCfg().ids[sid] == nil {
		return fail("storage '%s' does not exist", sid)
	}
	if vtype, _ := volumeKind(volname); vtype != "backup" {
		return fail("unable to use volume %s - content type needs to be 'backup'", archive)
	}
	return nil
}

// givenRestoreConfig is the config create_vm builds from the request
// before the worker starts (update_pct_config of the non-disk parameters):
// the options in PVE's canonical form, and unprivileged only when given as
// true ($conf->{unprivileged} = 1 if $unprivileged); the archive's value
// comes in the worker when none is given.
func (s *Simulator) givenRestoreConfig(r *request) (map[string]string, *apiError) {
	cfg := map[string]string{}
	for k, v := range r.params {
		if !creationOnly[k] && !isMountKey(k) && !isIndexedKey(k, "unused") && k != "unprivileged" {
			cfg[k] = v
		}
	}
	if err := s.prepareConfig(cfg); err != nil {
		return nil, err
	}
	if r.bool("unprivileged") {
		cfg["unprivileged"] = "1"
	}
	return cfg, nil
}

// backupArchivePath is PVE::Storage::path of a backup volume, as its
// storage's plugin names it (a pbs:// URL for PBS).
func backupArchivePath(n *node, v *volume) string {
	storeID, _, _ := strings.Cut(v.VolID, ":")
	st := n.Storages[storeID]
	if st == nil {
		return ""
	}
	return storageVolumePath(st, v)
}

// logSkippedLxc is sanitize_and_merge_config's warning (Create.pm) when a
// user other than root@pam restores an archive with raw lxc.* lines: they
// are not restored, and the task ends with a warning listing them.
func logSkippedLxc(t *taskCtx, lxc [][2]string) {
	if len(lxc) == 0 {
		return
	}
	t.warnf("skipping custom lxc options, restore manually as root:")
	t.logf("--------------------------------")
	for _, e := range lxc {
		t.logf("%s: %s", e[0], e[1])
	}
	t.logf("--------------------------------")
}
