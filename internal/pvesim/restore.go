package pvesim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// restoreGuest is POST /nodes/{node}/lxc with restore=1: the guest is
// recreated from a vzdump archive, over a stopped one when force=1.
func (s *Simulator) restoreGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	vmid := r.vmid()
	backup, aerr := s.findVolume(n, r.params["ostemplate"])
	if aerr != nil {
		return nil, aerr
	}
	if backup.Content != "backup" || backup.Archive == nil {
		return nil, fail("unable to restore CT %d - volume '%s' is not a container backup", vmid, backup.VolID)
	}
	old, exists := s.currentGuest(vmid)
	if exists {
		switch {
		case old.Node == n.Name && r.bool("force") && old.Config["protection"] == "1":
			return nil, fail("unable to restore CT %d - protection mode enabled", vmid)
		case old.Node != n.Name || !r.bool("force"):
			return nil, fail("CT %d already exists on node '%s'", vmid, old.Node)
		case old.Lock != "":
			return nil, fail("CT is locked (%s)", old.Lock)
		case old.Running:
			return nil, fail("can't overwrite running container")
		}
	}
	if aerr := s.checkCreatePerms(r, old); aerr != nil {
		return nil, aerr
	}
	cfg, aerr := s.mergeRestoreConfig(r, backup.Archive)
	if aerr != nil {
		return nil, aerr
	}
	// create_vm's default storage, whatever the archive used.
	storageID := r.params["storage"]
	if storageID == "" {
		storageID = "local"
	}
	denied := s.checkArchivePerms(r, old, cfg)
	mps, delayed, aerr := s.restoreMountParams(n, r, backup.Archive.Config, storageID)
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := s.enabledStorage(n, storageOf(backup.VolID)); aerr != nil {
		// recover_config runs storage_check_enabled on the archive's
		// storage in the worker, before anything is destroyed.
		return s.failedRestore(n, r, backup, aerr.Message), nil
	}
	if exists {
		s.dropGuestLocked(old)
	}
	if _, aerr := s.createDisks(n, vmid, mps, cfg); aerr != nil {
		return nil, aerr
	}
	for k, v := range delayed {
		cfg[k] = v
	}
	tree := vfs.New()
	tree.Import(backup.Archive.Files)
	g := &guest{VMID: vmid, Node: n.Name, Config: cfg, Lock: "create", RootFS: tree, CreatedAt: time.Now()}
	if r.authid == "root@pam" {
		// Only root gets the archive's raw lxc.* lines back
		// (sanitize_and_merge_config skips them when restricted).
		g.Lxc = slices.Clone(backup.Archive.Lxc)
	}
	// A restore from PBS runs proxmox-backup-client restore, which prints
	// nothing (Create.pm restore_proxmox_backup_archive); a vzdump file is
	// extracted by tar, which prints its path and --totals
	// (restore_tar_archive).
	fromPBS := backup.Format == "pbs-ct"
	archivePath := backupArchivePath(n, backup)
	var skippedLxc [][2]string
	if r.authid != "root@pam" {
		skippedLxc = backup.Archive.Lxc
	}
	wasTemplate := backup.Archive.Config["template"] == "1"
	s.guests[vmid] = g
	s.writeGuestConf(g)
	// password and ssh-public-keys are only used by post_create_hook,
	// which a restore never runs (API2/LXC.pm create_vm): they are ignored.
	startAfter, pool := r.bool("start"), r.params["pool"]
	tk := s.startTask(n, "vzrestore", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		t.logf("recovering backed-up configuration from '%s'", backup.VolID)
		t.logf("restoring '%s' now..", backup.VolID)
		if !fromPBS {
			t.logf("extracting archive '%s'", archivePath)
		}
		if err := t.sleep(3 * time.Second); err != nil {
			s.dropGuest(g)
			return err
		}
		if err := s.faults.taskFailure("vzrestore"); err != nil {
			s.dropGuest(g)
			return fmt.Errorf("unable to restore CT %d - %w", vmid, err)
		}
		if denied != nil {
			s.dropGuest(g)
			return fmt.Errorf("unable to restore CT %d - %s", vmid, denied.Message)
		}
		if !fromPBS {
			t.logf("Total bytes read: %d (%dMiB, %dMiB/s)", backup.Size*2, backup.Size*2/mib, 150)
		}
		t.logf("merging backed-up and given configuration..")
		logSkippedLxc(t, skippedLxc)
		s.mu.Lock()
		defer s.mu.Unlock()
		if wasTemplate {
			t.logf("Convert restored container to template...")
			s.convertToTemplate(n, g)
		}
		g.Lock = ""
		s.writeGuestConf(g)
		if startAfter {
			s.powerOn(g)
		}
		if pool != "" {
			s.addToPool(vmid, pool)
		}
		return nil
	})
	return tk.UPID, nil
}

// mergeRestoreConfig builds the restored config as create_vm and
// sanitize_and_merge_config (src/PVE/LXC/Create.pm) do: the given options
// first, then the archive's for what is not given, never its rootfs, mount
// points, unused volumes, template flag or unprivileged flag; with unique=1
// every network device of the archive comes back with a new MAC address
// (over a given one of the same name), without it a given device wins.
func (s *Simulator) mergeRestoreConfig(r *request, a *archive) (map[string]string, *apiError) {
	cfg := map[string]string{}
	for k, v := range r.params {
		if !creationOnly[k] && !isMountKey(k) && !isIndexedKey(k, "unused") {
			cfg[k] = v
		}
	}
	if err := s.prepareConfig(cfg); err != nil {
		return nil, err
	}
	unique := r.bool("unique")
	for k, v := range a.Config {
		switch {
		case k == "digest" || k == "rootfs" || k == "unprivileged" || k == "parent" || k == "template" || k == "lock":
			continue
		case isIndexedKey(k, "mp") || isIndexedKey(k, "unused"):
			continue
		case unique && isIndexedKey(k, "net"):
			net, err := s.canonicalNet(removeProperty(v, "hwaddr"))
			if err != nil {
				return nil, paramFail(k, "invalid format - "+err.Error())
			}
			cfg[k] = net
			continue
		}
		if _, given := cfg[k]; !given {
			cfg[k] = v
		}
	}
	if u, ok := a.Config["unprivileged"]; ok && !r.has("unprivileged") {
		cfg["unprivileged"] = u
	}
	if cfg["hostname"] == "" {
		cfg["hostname"] = "CT" + strconv.Itoa(r.vmid())
	}
	if cfg["memory"] == "" {
		cfg["memory"] = "512"
	}
	if _, ok := cfg["swap"]; !ok {
		cfg["swap"] = "512"
	}
	if err := checkKeyctl(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// restoreMountParams picks the restored mount points: the given rootfs and
// mpN if a rootfs is given; otherwise the archive's, each volume recreated
// on the target storage with its archived size, bind and device mount
// points (root@pam's alone) put back after the extraction.
func (s *Simulator) restoreMountParams(n *node, r *request, archived map[string]string, storageID string) (map[string]string, map[string]string, *apiError) {
	if r.has("rootfs") {
		mps, err := s.createMountParams(n, r, storageID)
		return mps, nil, err
	}
	if aerr := checkRootdirStorage(n, storageID); aerr != nil {
		return nil, nil, aerr
	}
	if archived["rootfs"] == "" {
		return nil, nil, fail("rootfs configuration could not be recovered, please check and specify manually!")
	}
	mps, delayed := map[string]string{}, map[string]string{}
	for k, v := range archived {
		if !isMountKey(k) {
			continue
		}
		mp, err := s.parseMountPoint(k, v)
		if err != nil {
			return nil, nil, fail("%s", err.Error())
		}
		if mp.kind() != "volume" {
			if k == "rootfs" {
				return nil, nil, fail("restoring rootfs to %s mount is only possible by specifying -rootfs manually!", mp.kind())
			}
			if r.authid != "root@pam" && r.authid != "" {
				return nil, nil, fail("restoring '%s' to %s mount is only possible for root", k, mp.kind())
			}
			delayed[k] = s.printMountPoint(mp)
			continue
		}
		if _, ok := mp.Values["size"]; !ok {
			return nil, nil, fail("unable to detect disk size - please specify %s (size)", k)
		}
		mp.Values["volume"] = fmt.Sprintf("%s:%s", storageID, strconv.FormatFloat(float64(mp.size())/float64(gib), 'f', -1, 64))
		delete(mp.Values, "size")
		mps[k] = s.printMountPoint(mp)
	}
	return mps, delayed, nil
}

// failedRestore is a vzrestore task that fails before it changed anything
// (API2/LXC.pm create_vm: the error of recover_config dies as "unable to
// restore CT <vmid> - <error>", and the create lock goes again).
func (s *Simulator) failedRestore(n *node, r *request, backup *volume, msg string) string {
	vmid := r.vmid()
	tk := s.startTask(n, "vzrestore", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		t.logf("recovering backed-up configuration from '%s'", backup.VolID)
		return fmt.Errorf("unable to restore CT %d - %s", vmid, msg)
	})
	return tk.UPID
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
