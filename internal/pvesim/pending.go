package pvesim

import (
	"sort"
	"strconv"
	"strings"
)

// Pending changes, as AbstractConfig (pve-guest-common) and
// vmconfig_hotplug_pending / vmconfig_apply_pending (pve-container
// src/PVE/LXC/Config.pm) keep them: every change is first written to the
// [pve:pending] section; a stopped container applies it at once, a running
// one only what can be hot-plugged, and the rest waits for the next start.

// fastplugOptions is $LXC_FASTPLUG_OPTIONS: changed at once, running or not.
var fastplugOptions = map[string]bool{
	"description": true, "onboot": true, "startup": true, "protection": true,
	"hostname": true, "hookscript": true, "cores": true, "tags": true, "lock": true,
}

// pendingDelete is the parsed "delete" entry of the pending section:
// option -> force.
type pendingDelete map[string]bool

// parsePendingDelete is parse_pending_delete.
func parsePendingDelete(data string) pendingDelete {
	out := pendingDelete{}
	for _, e := range strings.Fields(strings.NewReplacer(",", " ", ";", " ").Replace(data)) {
		key, force := strings.CutPrefix(e, "!")
		out[key] = force
	}
	return out
}

// String is print_pending_delete: sorted, "!" marks a forced deletion.
func (d pendingDelete) String() string {
	keys := make([]string, 0, len(d))
	for k, force := range d {
		if force {
			k = "!" + k
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.TrimPrefix(keys[i], "!") < strings.TrimPrefix(keys[j], "!") })
	return strings.Join(keys, ",")
}

// pendingState is a guest's pending section while a change is worked out.
type pendingState struct {
	values  map[string]string
	deletes pendingDelete
}

func newPendingState(g *guest) *pendingState {
	p := &pendingState{values: map[string]string{}, deletes: parsePendingDelete(g.Pending["delete"])}
	for k, v := range g.Pending {
		if k != "delete" {
			p.values[k] = v
		}
	}
	return p
}

// cleanup is cleanup_pending: a pending value equal to the current one and
// a pending deletion of an option that is not set are dropped.
func (p *pendingState) cleanup(cfg map[string]string) {
	for k, v := range p.values {
		if cur, ok := cfg[k]; ok && cur == v {
			delete(p.values, k)
		}
	}
	for k := range p.deletes {
		if _, ok := cfg[k]; !ok {
			delete(p.deletes, k)
		}
	}
}

// section renders the pending section for the guest (nil when empty).
func (p *pendingState) section() map[string]string {
	if len(p.values) == 0 && len(p.deletes) == 0 {
		return nil
	}
	out := make(map[string]string, len(p.values)+1)
	for k, v := range p.values {
		out[k] = v
	}
	if len(p.deletes) > 0 {
		out["delete"] = p.deletes.String()
	}
	return out
}

// withPending is load_current_config without current=1: pending values
// over the current ones, pending deletions removed.
func withPending(g *guest) map[string]string {
	if len(g.Pending) == 0 {
		return g.Config
	}
	out := make(map[string]string, len(g.Config))
	for k, v := range g.Config {
		out[k] = v
	}
	for k, v := range g.Pending {
		if k != "delete" {
			out[k] = v
		}
	}
	for k := range parsePendingDelete(g.Pending["delete"]) {
		delete(out, k)
	}
	return out
}

// applyAllPending is vm_start's vmconfig_apply_pending over everything
// pending (caller holds s.mu); errors leave the option pending, as PVE
// only warns.
func (s *Simulator) applyAllPending(g *guest) {
	if len(g.Pending) == 0 {
		return
	}
	n := s.nodeByName(g.Node)
	p := newPendingState(g)
	next := make(map[string]string, len(g.Config))
	for k, v := range g.Config {
		next[k] = v
	}
	_ = s.applyPending(g, n, next, p, nil) // errors stay pending: PVE only warns
	g.Config = next
	g.Pending = p.section()
	s.writeGuestConf(g)
}

// deleteMountpointVolume is delete_mountpoint_volume (src/PVE/LXC.pm): the
// container's own volume is freed with vdisk_free, which refuses a base
// volume a linked clone still uses; a volume another guest owns (its name
// says whose it is, as parse_volname reads it) is left alone, as PVE only
// warns "ignore deletion of ...".
func (s *Simulator) deleteMountpointVolume(n *node, vmid int, volid string) error {
	if owner, ok := volumeOwner(volid); !ok || owner != vmid {
		return nil
	}
	if err := s.checkBaseUnused(n, volid); err != nil {
		return err
	}
	s.freeVolume(n, volid)
	return nil
}

// volumeOwner is the owner parse_volname gives a disk volume: the VMID in
// its name's last part (a ZFS linked clone's basevol-100-disk-0/subvol-101-disk-0 is
// 101's).
func volumeOwner(volid string) (int, bool) {
	_, name, _ := strings.Cut(volid, ":")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	m := diskNameRe.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	owner, err := strconv.Atoi(m[1])
	return owner, err == nil
}

// applyPending is vmconfig_apply_pending for the selected options (all when
// selection is nil).
func (s *Simulator) applyPending(g *guest, n *node, next map[string]string, p *pendingState, selection map[string]bool) *apiError {
	errs := map[string]string{}
	for _, opt := range sortedKeysOf(p.deletes) {
		if selection != nil && !selection[opt] {
			continue
		}
		old := next[opt]
		switch {
		case isIndexedKey(opt, "mp"):
			delete(next, opt)
			if mp, err := s.parseMountPoint(opt, old); err == nil && mp.kind() == "volume" && !s.volumeInUse(g, next, mp.volume()) {
				if aerr := addUnusedVolume(next, mp.volume()); aerr != nil {
					return aerr
				}
			}
		case isIndexedKey(opt, "net"):
			s.sdnReleaseNet(old) // sdn_dhcp.go
		case isIndexedKey(opt, "unused") && !s.volumeInUse(g, next, old):
			// A failed delete stays pending ($add_apply_error).
			if err := s.deleteMountpointVolume(n, g.VMID, old); err != nil {
				errs[opt] = "unable to apply pending change " + opt + " : " + err.Error()
				continue
			}
		}
		delete(next, opt)
		delete(p.deletes, opt)
	}
	if len(errs) > 0 {
		return paramError(errs)
	}
	p.cleanup(next)
	for _, opt := range sortedKeysOf(p.values) {
		if selection != nil && !selection[opt] {
			continue
		}
		if aerr := s.applyPendingValue(g, n, next, opt, p.values[opt]); aerr != nil {
			return aerr
		}
		delete(p.values, opt)
	}
	return nil
}

// hotplugPending is vmconfig_hotplug_pending for a running container: the
// fast-plug options, deletions of unused volumes, swap, cpulimit, cpuunits
// and network devices, new values of cpulimit, cpuunits, memory, swap and
// network devices, and new mount points apply now; the rest stays pending.
func (s *Simulator) hotplugPending(g *guest, n *node, next map[string]string, p *pendingState, selection map[string]bool) *apiError {
	for _, opt := range sortedKeysOf(p.deletes) {
		if !selection[opt] {
			continue
		}
		if fastplugOptions[opt] || isIndexedKey(opt, "unused") || isIndexedKey(opt, "net") || opt == "swap" || opt == "cpulimit" || opt == "cpuunits" {
			old := next[opt]
			if isIndexedKey(opt, "unused") && !s.volumeInUse(g, next, old) {
				if err := s.deleteMountpointVolume(n, g.VMID, old); err != nil {
					return paramFail(opt, "unable to hotplug "+opt+": "+err.Error())
				}
			}
			if isIndexedKey(opt, "net") {
				s.sdnReleaseNet(old) // sdn_dhcp.go
			}
			delete(next, opt)
			delete(p.deletes, opt)
		}
	}
	for _, opt := range sortedKeysOf(p.values) {
		if !selection[opt] {
			continue
		}
		_, exists := next[opt]
		hot := fastplugOptions[opt] || isIndexedKey(opt, "net") || opt == "cpulimit" || opt == "cpuunits" || opt == "memory" || opt == "swap" ||
			(isIndexedKey(opt, "mp") && !exists) || s.devHotplugged(opt, exists) // devices.go
		if !hot {
			continue
		}
		if aerr := s.checkNetPlug(n, next, opt, p.values[opt]); aerr != nil {
			return aerr
		}
		if aerr := s.checkBindPlug(n, next, opt, p.values[opt]); aerr != nil { // mountpoints.go
			return aerr
		}
		if aerr := s.applyPendingValue(g, n, next, opt, p.values[opt]); aerr != nil {
			return aerr
		}
		delete(p.values, opt)
	}
	return nil
}

// applyPendingValue writes one pending value to the config the way
// vmconfig_apply_pending does: mount points through
// apply_pending_mountpoint, network devices printed canonically, the rest
// as given.
func (s *Simulator) applyPendingValue(g *guest, n *node, next map[string]string, opt, value string) *apiError {
	switch {
	case isIndexedKey(opt, "mp"):
		return s.applyMountPoint(g, n, next, opt, value)
	case isIndexedKey(opt, "net"):
		net, err := s.canonicalNet(value)
		if err != nil {
			return paramFail(opt, "invalid format - "+err.Error())
		}
		value = net
		s.sdnNetChanged(g, next[opt], value) // sdn_dhcp.go
	case opt == "description" && storedDescription(value) == "":
		delete(next, opt) // written as no line, read back as none
		return nil
	case opt == "description":
		value = storedDescription(value)
	}
	next[opt] = value
	return nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
