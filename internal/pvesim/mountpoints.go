package pvesim

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mount points (rootfs, mp0..mp255) and their volumes, as pve-container
// src/PVE/LXC.pm create_disks and alloc_disk make them and
// src/PVE/LXC/Config.pm apply_pending_mountpoint and add_unused_volume keep
// track of them.

var diskNameRe = regexp.MustCompile(`^(?:vm|base|subvol|basevol)-(\d+)-disk-(\d+)(?:\.\w+)?$`)

// nextDiskName is pve-storage's find_free_diskname: the first N for which
// no vm-/base-/subvol- volume of this guest exists on the storage.
func nextDiskName(st *storage, vmid int) int {
	used := map[int]bool{}
	for id := range st.Volumes {
		_, name, _ := strings.Cut(id, ":")
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		if m := diskNameRe.FindStringSubmatch(name); m != nil && m[1] == strconv.Itoa(vmid) {
			n, _ := strconv.Atoi(m[2])
			used[n] = true
		}
	}
	n := 0
	for used[n] {
		n++
	}
	return n
}

// diskVolname is the name alloc_image gives a new container disk on each
// storage type: a raw file in the guest's directory on file storages, a
// subvolume on ZFS, a logical volume on LVM.
func diskVolname(st *storage, vmid, n int) (string, string) {
	switch st.Type {
	case "zfspool":
		return fmt.Sprintf("subvol-%d-disk-%d", vmid, n), "subvol"
	case "lvmthin", "lvm", "":
		return fmt.Sprintf("vm-%d-disk-%d", vmid, n), "raw"
	}
	return fmt.Sprintf("%d/vm-%d-disk-%d.raw", vmid, vmid, n), "raw"
}

// allocDisk is alloc_disk: a new volume of size bytes for the guest.
func (s *Simulator) allocDisk(n *node, storageID string, vmid int, size int64) (*volume, *apiError) {
	st, ok := n.Storages[storageID]
	if !ok {
		return nil, fail("storage '%s' does not exist", storageID)
	}
	if !slices.Contains(st.Content, "rootdir") {
		return nil, fail("content type 'rootdir' is not available or configured on storage '%s'", storageID)
	}
	name, format := diskVolname(st, vmid, nextDiskName(st, vmid))
	v := &volume{VolID: storageID + ":" + name, Content: "rootdir", Format: format, Size: size, CTime: time.Now().Unix(), VMID: vmid,
		Created: time.Now()}
	st.Volumes[v.VolID] = v
	return v, nil
}

// createDisks is create_disks: every rootfs/mpN in settings whose volume is
// STORAGE:SIZE_IN_GiB gets a new volume; every one is written to cfg as
// print_ct_mountpoint prints it. It returns the volumes it made, which the
// caller frees when the creation fails later.
func (s *Simulator) createDisks(n *node, vmid int, settings, cfg map[string]string) ([]*volume, *apiError) {
	var made []*volume
	keys := volumeKeys(settings)
	for _, k := range keys {
		mp, err := s.parseMountPoint(k, settings[k])
		if err != nil {
			s.freeVolumes(n, made)
			return nil, paramFail(k, "invalid format - "+err.Error())
		}
		if m := newDiskRe.FindStringSubmatch(mp.volume()); m != nil && mp.kind() == "volume" {
			gb, _ := strconv.ParseFloat(m[2], 64)
			sizeKB := int64(gb*1024) * 1024
			v, aerr := s.allocDisk(n, m[1], vmid, sizeKB*1024)
			if aerr != nil {
				s.freeVolumes(n, made)
				return nil, aerr
			}
			made = append(made, v)
			mp.Values["volume"] = v.VolID
			mp.Values["size"] = strconv.FormatInt(v.Size, 10)
		}
		cfg[k] = s.printMountPoint(mp)
	}
	return made, nil
}

func (s *Simulator) freeVolumes(n *node, vols []*volume) {
	for _, v := range vols {
		if st := n.Storages[storageOf(v.VolID)]; st != nil {
			delete(st.Volumes, v.VolID)
		}
	}
}

// guestVolumes lists the volume ids the config uses (rootfs, mount points
// and unused entries), as get_vm_volumes does.
func (s *Simulator) guestVolumes(cfg map[string]string) []string {
	var out []string
	for k, v := range cfg {
		if isMountKey(k) || isIndexedKey(k, "unused") {
			mp, err := s.parseMountPoint(k, v)
			if err == nil && mp.kind() == "volume" && mp.volume() != "" {
				out = append(out, mp.volume())
			}
		}
	}
	sort.Strings(out)
	return out
}

// volumeInUse is is_volume_in_use: a mount point of the config (or of a
// snapshot) still refers to the volume.
func (s *Simulator) volumeInUse(g *guest, cfg map[string]string, volid string) bool {
	uses := func(c map[string]string) bool {
		for k, v := range c {
			if isMountKey(k) {
				if mp, err := s.parseMountPoint(k, v); err == nil && mp.kind() == "volume" && mp.volume() == volid {
					return true
				}
			}
		}
		return false
	}
	if uses(cfg) {
		return true
	}
	for _, snap := range g.Snapshots {
		if uses(snap.Config) {
			return true
		}
	}
	return false
}

// addUnusedVolume is AbstractConfig's add_unused_volume: the lowest free
// unusedN, no duplicates.
func addUnusedVolume(cfg map[string]string, volid string) *apiError {
	key := ""
	for i := 255; i >= 0; i-- {
		k := "unused" + strconv.Itoa(i)
		if v := cfg[k]; v != "" {
			if v == volid {
				return nil
			}
		} else {
			key = k
		}
	}
	if key == "" {
		return fail("Too many unused volumes - please delete them first.")
	}
	cfg[key] = volid
	return nil
}

// freeVolume frees a volume of the guest's node (delete_mountpoint_volume).
func (s *Simulator) freeVolume(n *node, volid string) {
	if st := n.Storages[storageOf(volid)]; st != nil {
		delete(st.Volumes, volid)
	}
}

// volumeOf finds a volume on the node by id.
func (s *Simulator) volumeOf(n *node, volid string) *volume {
	if st := n.Storages[storageOf(volid)]; st != nil {
		return st.Volumes[volid]
	}
	return nil
}

var bareSizeRe = regexp.MustCompile(`^\d+(\.\d+)?$`)

// createMountParams gathers create_vm's mount points (src/PVE/API2/LXC.pm):
// a bare number is a size on the default storage, mount points need a
// rootfs, each volume's storage must take container directories, paths
// are root@pam's, and without any the rootfs is STORAGE:4.
func (s *Simulator) createMountParams(n *node, r *request, storageID string) (map[string]string, *apiError) {
	mps := map[string]string{}
	for k, v := range r.params {
		if isMountKey(k) {
			if bareSizeRe.MatchString(v) {
				v = storageID + ":" + v
			}
			mps[k] = v
		}
	}
	if len(mps) > 0 && mps["rootfs"] == "" {
		return nil, fail("mount points configured, but 'rootfs' not set - aborting")
	}
	keys := make([]string, 0, len(mps))
	for k := range mps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mp, err := s.parseMountPoint(k, mps[k])
		if err != nil {
			return nil, paramFail(k, "invalid format - "+err.Error())
		}
		if mp.kind() != "volume" {
			if r.authid != "root@pam" && r.authid != "" {
				return nil, fail("Only root can pass arbitrary filesystem paths.")
			}
			continue
		}
		if aerr := checkRootdirStorage(n, storageOf(mp.volume())); aerr != nil {
			return nil, aerr
		}
	}
	if len(mps) == 0 {
		if aerr := checkRootdirStorage(n, storageID); aerr != nil {
			return nil, aerr
		}
		mps["rootfs"] = storageID + ":4"
	}
	return mps, nil
}

// volumeKeys is valid_volume_keys' order over the keys present: rootfs,
// then mp0, mp1, ... (foreach_volume walks them so, which decides the disk
// numbers).
func volumeKeys(cfg map[string]string) []string {
	var keys []string
	if _, ok := cfg["rootfs"]; ok {
		keys = append(keys, "rootfs")
	}
	var mps []int
	for k := range cfg {
		if isIndexedKey(k, "mp") {
			n, _ := strconv.Atoi(k[2:])
			mps = append(mps, n)
		}
	}
	sort.Ints(mps)
	for _, n := range mps {
		keys = append(keys, "mp"+strconv.Itoa(n))
	}
	return keys
}

// checkBaseUnused is vdisk_free's refusal (pve-storage src/PVE/Storage.pm
// volume_is_base_and_used): a base volume that a linked clone still uses
// cannot be freed. The clones are found by the base in their names, which
// LVM-thin clones do not carry, so on LVM-thin the base goes ("LVM-thin
// allows deletion of still referenced base volumes!").
func (s *Simulator) checkBaseUnused(n *node, volid string) error {
	st := n.Storages[storageOf(volid)]
	_, name, _ := strings.Cut(volid, ":")
	if st == nil || (!strings.HasPrefix(name, "base-") && !strings.HasPrefix(name, "basevol-")) {
		return nil
	}
	for id := range st.Volumes {
		if _, other, _ := strings.Cut(id, ":"); strings.HasPrefix(other, name+"/") {
			return fmt.Errorf("base volume '%s' is still in use by linked clones", name)
		}
	}
	return nil
}

// missingBindSource is mountpoint_mount's check of a bind mount (src/PVE/LXC.pm:
// "directory '...' does not exist"): the host directory must be there when
// the container starts (the pre-start hook mounts every mount point) and
// when a new bind mount is hot-plugged into a running container. "" when
// the value is no bind mount or its directory exists on the node.
func (s *Simulator) missingBindSource(n *node, key, value string) string {
	mp, err := s.parseMountPoint(key, value)
	if err != nil || mp.kind() != "bind" {
		return ""
	}
	if fi, err := n.FS.Stat(mp.volume()); err == nil && fi.IsDir() {
		return ""
	}
	return fmt.Sprintf("directory '%s' does not exist", mp.volume())
}

// checkStartBindMounts fails a start whose bind mount's directory is not on
// the node, as lxc-start fails when lxc-pve-prestart-hook dies (perl's die
// exits with the errno of the failed -d test, ENOENT).
func (s *Simulator) checkStartBindMounts(g *guest) error {
	n := s.nodeByName(g.Node)
	if n == nil {
		return nil
	}
	for _, k := range volumeKeys(g.Config) {
		if msg := s.missingBindSource(n, k, g.Config[k]); msg != "" {
			s.appendStartLog(n, g.VMID, msg,
				"run_buffer: 571 Script exited with status 2",
				fmt.Sprintf("lxc_init: 845 Failed to run lxc.hook.pre-start for container \"%d\"", g.VMID),
				fmt.Sprintf("__lxc_start: 2034 Failed to initialize container \"%d\"", g.VMID))
			return fmt.Errorf("startup for container '%d' failed", g.VMID)
		}
	}
	return nil
}

// checkBindPlug is mountpoint_hotplug's failure for a new bind mount of a
// running container whose directory is missing. PVE records it as the
// option's hotplug error and answers 400 after writing the config, with the
// mount point left pending; here the whole change is refused with that
// message and nothing is written, as checkNetPlug does for net devices.
func (s *Simulator) checkBindPlug(n *node, next map[string]string, opt, value string) *apiError {
	if _, exists := next[opt]; exists || !isIndexedKey(opt, "mp") {
		return nil // an existing mp is not hot-plugged: it waits for the start
	}
	if msg := s.missingBindSource(n, opt, value); msg != "" {
		return paramFail(opt, "unable to hotplug "+opt+": "+msg)
	}
	return nil
}
