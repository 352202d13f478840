package pvesim

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// cloneGuest is POST /nodes/{node}/lxc/{vmid}/clone (src/PVE/API2/LXC.pm
// clone_vm): the source is locked 'disk', the clone's config is written at
// once under a 'create' lock with new MAC addresses, and a vzclone worker
// copies (full) or links (templates) every volume, then moves the clone to
// the target node when one is given. The request takes the source's config
// lock (set_lock) and then the new VMID's (create_and_lock_config, 5 s), so a
// clone sent while a template worker runs waits for it; the worker takes both
// again for its last config writes (remove_lock, lock_and_reload).
func (s *Simulator) cloneGuest(r *request) (any, error) {
	newid, _ := strconv.Atoi(r.params["newid"])
	release, aerr := s.lockGuestConfigs(s.ctx, r.node(),
		guestLockSpec{vmid: r.vmid(), timeout: configLockTimeout},
		guestLockSpec{vmid: newid, timeout: createLockTimeout})
	if aerr != nil {
		return nil, aerr
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	pool, storageID, snapname := r.params["pool"], r.params["storage"], r.params["snapname"]
	if pool != "" {
		if _, ok := r.acc.cfg.Pools[pool]; !ok {
			return nil, fail("pool '%s' does not exist", pool)
		}
	}
	target := r.params["target"]
	if target == r.node() || target == "localhost" {
		target = ""
	}
	var tn *node
	if target != "" {
		if tn = s.nodeByName(target); tn == nil {
			return nil, fail("no such cluster node '%s'", target)
		}
	}
	n := s.nodeByName(r.node())
	if storageID != "" {
		st, ok := n.Storages[storageID]
		if !ok {
			return nil, fail("storage '%s' does not exist", storageID)
		}
		if tn != nil {
			if _, ok := tn.Storages[storageID]; !ok {
				return nil, fail("storage '%s' is not available on node '%s'", storageID, target)
			}
			if !st.shared() {
				return nil, fail("can't clone to non-shared storage '%s'", storageID)
			}
		}
	}
	src, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if err := checkUnlocked(src); err != nil {
		return nil, err
	}
	if existing, ok := s.currentGuest(newid); ok {
		return nil, fail("CT %d already exists on node '%s'", newid, existing.Node)
	}
	full := src.Config["template"] != "1"
	if r.has("full") {
		full = r.bool("full")
	}
	plan, aerr := s.planClone(r, n, src, full, snapname, storageID, tn != nil)
	if aerr != nil {
		return nil, aerr
	}
	newConf := plan.config
	if h := r.params["hostname"]; h != "" {
		newConf["hostname"] = h
	}
	if d := storedDescription(r.params["description"]); d != "" {
		newConf["description"] = d
	}
	src.Lock = "disk"
	s.writeGuestConf(src)
	tree := vfs.New()
	tree.Import(src.RootFS.Export("/"))
	clone := &guest{VMID: newid, Node: n.Name, Config: newConf, Lock: "create", RootFS: tree, CreatedAt: time.Now()}
	s.guests[newid] = clone
	s.writeGuestConf(clone)
	tk := s.startTask(n, "vzclone", strconv.Itoa(src.VMID), r.userForTask(), func(t *taskCtx) error {
		for _, k := range plan.keys {
			mp := plan.mounts[k]
			if full {
				t.logf("create full clone of mountpoint %s (%s)", k, mp.volume())
			} else {
				t.logf("create linked clone of mount point %s (%s)", k, mp.volume())
			}
		}
		err := t.sleep(2 * time.Second)
		if err == nil {
			err = s.faults.taskFailure("vzclone")
		}
		release, aerr := s.lockGuestConfigs(t, n.Name,
			guestLockSpec{vmid: src.VMID, timeout: configLockTimeout},
			guestLockSpec{vmid: newid, timeout: configLockTimeout})
		if aerr != nil && err == nil {
			err = errors.New(aerr.Message)
		}
		defer release()
		s.mu.Lock()
		defer s.mu.Unlock()
		src.Lock = ""
		s.writeGuestConf(src)
		if err == nil {
			err = s.cloneVolumes(n, clone, plan, full, storageID)
		}
		if err != nil {
			s.dropGuestLocked(clone)
			return fmt.Errorf("clone failed: %w", err)
		}
		if pool != "" {
			s.addToPool(newid, pool)
		}
		clone.Lock = ""
		if tn != nil {
			s.moveGuestConf(clone, tn)
		}
		s.writeGuestConf(clone)
		return nil
	})
	return tk.UPID, nil
}

// clonePlan is what clone_vm decides before its worker runs.
type clonePlan struct {
	config map[string]string
	mounts map[string]mountPoint
	keys   []string
}

// planClone walks the source config as clone_vm does: volumes are checked
// for the kind of clone asked, bind and device mounts refuse, network
// devices get new MAC addresses, everything else is copied; snapshots,
// pending changes and the template flag are left behind.
func (s *Simulator) planClone(r *request, n *node, src *guest, full bool, snapname, storageID string, toOtherNode bool) (clonePlan, *apiError) {
	if storageID != "" && !full {
		return clonePlan{}, fail("parameter 'storage' not allowed for linked clones")
	}
	conf := src.Config
	if snapname != "" {
		snap, ok := src.Snapshots[snapname]
		if !ok {
			return clonePlan{}, fail("snapshot '%s' does not exist", snapname)
		}
		conf = snap.Config
	}
	plan := clonePlan{config: map[string]string{}, mounts: map[string]mountPoint{}}
	shared := true
	keys := make([]string, 0, len(conf))
	for k := range conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := conf[k]
		switch {
		case isIndexedKey(k, "unused"), k == "template", k == "parent", k == "snaptime", k == "snapstate":
		case isMountKey(k):
			mp, err := s.parseMountPoint(k, v)
			if err != nil {
				return clonePlan{}, fail("%s", err.Error())
			}
			if mp.kind() != "volume" {
				return clonePlan{}, fail("unable to clone mountpoint '%s' (type %s)", k, mp.kind())
			}
			sid := storageOf(mp.volume())
			if storageID != "" {
				sid = storageID
			}
			if st := n.Storages[sid]; st == nil || !st.shared() {
				shared = false
			}
			if aerr := r.acc.check(r.authid, "/storage/"+sid, "Datastore.AllocateSpace"); r.authid != "root@pam" && aerr != nil {
				return clonePlan{}, aerr
			}
			if full {
				if src.Running && snapname == "" {
					if s.release == "9.1" {
						return clonePlan{}, fail("Full clone of a running container is only possible from a snapshot")
					}
					return clonePlan{}, fail("Cannot do full clones on a running container without snapshots")
				}
			} else if !s.canLinkClone(n, mp.volume()) {
				return clonePlan{}, fail("Linked clone feature for '%s' is not available", mp.volume())
			}
			plan.mounts[k] = mp
			plan.config[k] = v
		case isIndexedKey(k, "net"):
			net, err := s.canonicalNet(removeProperty(v, "hwaddr"))
			if err != nil {
				return clonePlan{}, fail("%s", err.Error())
			}
			if aerr := r.acc.checkBridgeAccess(r.authid, net); r.authid != "root@pam" && aerr != nil {
				return clonePlan{}, aerr
			}
			plan.config[k] = net
		default:
			plan.config[k] = v
		}
	}
	plan.keys = volumeKeys(plan.config)
	if toOtherNode && !shared {
		return clonePlan{}, fail("can't clone CT to node '%s' (CT uses local storage)", r.params["target"])
	}
	return plan, nil
}

// canLinkClone is volume_has_feature 'clone': a base volume on a storage
// that can clone (LVM-thin, ZFS).
func (s *Simulator) canLinkClone(n *node, volid string) bool {
	st := n.Storages[storageOf(volid)]
	if st == nil || (st.Type != "lvmthin" && st.Type != "zfspool") {
		return false
	}
	_, name, _ := strings.Cut(volid, ":")
	return strings.HasPrefix(name, "base-") || strings.HasPrefix(name, "basevol-")
}

// cloneVolumes makes the clone's volumes: copy_volume's new disk of the
// same size (full) or vdisk_clone's BASE/vm-NEWID-disk-N (linked).
func (s *Simulator) cloneVolumes(n *node, clone *guest, plan clonePlan, full bool, storageID string) error {
	for _, k := range plan.keys {
		mp := plan.mounts[k]
		old := s.volumeOf(n, mp.volume())
		size := mp.size()
		if old != nil {
			size = old.Size
		}
		var nv *volume
		if full {
			sid := storageOf(mp.volume())
			if storageID != "" {
				sid = storageID
			}
			v, aerr := s.allocDisk(n, sid, clone.VMID, size)
			if aerr != nil {
				return fmt.Errorf("%s", aerr.Message)
			}
			nv = v
		} else {
			st := n.Storages[storageOf(mp.volume())]
			nv = &volume{VolID: linkedCloneID(st, mp.volume(), clone.VMID), Content: "rootdir", Size: size, CTime: time.Now().Unix(), VMID: clone.VMID,
				Created: time.Now()}
			_, nv.Format = diskVolname(st, clone.VMID, 0)
			st.Volumes[nv.VolID] = nv
		}
		mp.Values["volume"] = nv.VolID
		mp.Values["size"] = strconv.FormatInt(nv.Size, 10)
		clone.Config[k] = s.printMountPoint(mp)
	}
	return nil
}

// linkedCloneID is the volume vdisk_clone makes of a base volume, as the
// storage's clone_image names it: on ZFS the base's name, a slash and the
// clone's next free name (ZFSPoolPlugin.pm: "$basename/$name"); on LVM-thin
// a thin snapshot with just the clone's next free name (LvmThinPlugin.pm
// returns $name), so nothing in its name says which base it came from.
func linkedCloneID(st *storage, baseID string, vmid int) string {
	name, _ := diskVolname(st, vmid, nextDiskName(st, vmid))
	if st.Type == "lvmthin" {
		return st.ID + ":" + name
	}
	_, base, _ := strings.Cut(baseID, ":")
	return st.ID + ":" + base + "/" + name
}

// moveGuestConf is move_config_to_node: the config file moves to the other
// node's directory (a rename inside pmxcfs), and the guest with it.
func (s *Simulator) moveGuestConf(g *guest, to *node) {
	from := guestConfPath(g.Node, g.VMID)
	_ = s.cfs.Rename(from, guestConfPath(to.Name, g.VMID))
	g.Node = to.Name
	g.confVersion = s.cfs.Version(guestConfPath(to.Name, g.VMID))
}
