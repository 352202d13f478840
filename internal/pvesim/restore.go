package pvesim

import (
	"fmt"
	"maps"
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
	old, exists := s.guests[vmid]
	if exists {
		switch {
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
	cfg := maps.Clone(backup.Archive.Config)
	delete(cfg, "lock")
	for k, v := range r.params {
		if !creationOnly[k] {
			cfg[k] = v
		}
	}
	if r.bool("unique") {
		for k, v := range cfg {
			if strings.HasPrefix(k, "net") {
				cfg[k] = removeProperty(v, "hwaddr")
			}
		}
	}
	if err := s.prepareConfig(cfg); err != nil {
		return nil, err
	}
	if err := checkKeyctl(cfg); err != nil {
		return nil, err
	}
	oldRoot := backup.Archive.Config["rootfs"]
	// create_vm's default storage, whatever the archive used.
	storageID := r.params["storage"]
	if storageID == "" {
		storageID = "local"
	}
	denied := s.checkArchivePerms(r, old, cfg)
	// The storage is checked before anything is destroyed, as create_vm's
	// check_and_activate_storage runs before the worker.
	if aerr := checkRootdirStorage(n, storageID); aerr != nil {
		return nil, aerr
	}
	if exists {
		s.dropGuestLocked(old)
	}
	sizeGB := float64(parseSize(propertyValue(oldRoot, "size"))) / float64(gib)
	rootfs, _, aerr := s.allocateRootfs(n, vmid, fmt.Sprintf("%s:%g", storageID, max(sizeGB, 1)))
	if aerr != nil {
		return nil, aerr
	}
	cfg["rootfs"] = rootfs
	tree := vfs.New()
	tree.Import(backup.Archive.Files)
	g := &guest{VMID: vmid, Node: n.Name, Config: cfg, Lock: "create", RootFS: tree, CreatedAt: time.Now()}
	s.guests[vmid] = g
	s.writeGuestConf(g)
	startAfter, password, pool := r.bool("start"), r.params["password"], r.params["pool"]
	tk := s.startTask(n, "vzrestore", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		t.logf("recovering backed-up configuration from '%s'", backup.VolID)
		t.logf("restoring '%s' now..", backup.VolID)
		t.logf("extracting archive '%s'", volumePath(backup))
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
		t.logf("Total bytes read: %d (%dMiB, %dMiB/s)", backup.Size*2, backup.Size*2/mib, 150)
		t.logf("merging backed-up and given configuration..")
		s.mu.Lock()
		defer s.mu.Unlock()
		if password != "" {
			_ = setPassword(g.RootFS, "root", password)
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
