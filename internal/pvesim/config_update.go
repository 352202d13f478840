package pvesim

import (
	"fmt"
)

// putGuestConfig is PUT /nodes/{node}/lxc/{vmid}/config: update_vm in
// pve-container src/PVE/API2/LXC/Config.pm and update_pct_config with
// vmconfig_apply_pending in src/PVE/LXC/Config.pm. update_vm runs its
// whole change under lock_config, so it waits for a worker holding the lock
// (a template conversion, a shutdown) and fails with lock_file's message
// after 10 s.
func (s *Simulator) putGuestConfig(r *request) (any, error) {
	params := map[string]string{}
	for k, v := range r.params {
		switch k {
		case "node", "vmid", "digest":
		default:
			params[k] = v
		}
	}
	if len(params) == 0 {
		return nil, fail("no options specified")
	}
	release, lockErr := s.lockGuestConfig(s.ctx, r.node(), r.vmid(), configLockTimeout)
	if lockErr != nil {
		return nil, lockErr
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	deletes := splitList(params["delete"])
	reverts := splitList(params["revert"])
	delete(params, "delete")
	delete(params, "revert")
	g, err := s.unlockedGuest(r)
	if err != nil {
		return nil, err
	}
	if d := r.params["digest"]; d != "" && d != g.digest() {
		return nil, fail("detected modified configuration - file changed by other user? Try again.")
	}
	if aerr := s.checkConfigUpdatePerms(r, g); aerr != nil {
		return nil, aerr
	}
	for _, opt := range reverts {
		if s.confFormat(opt) == nil && !s.configOptionExists(opt) {
			return nil, paramFail("revert", fmt.Sprintf("unknown option '%s'", opt))
		}
		if _, ok := params[opt]; ok {
			return nil, paramFail("revert", fmt.Sprintf("you can't use '-%s' and '-revert %s' at the same time", opt, opt))
		}
	}
	for _, opt := range deletes {
		if !s.configOptionExists(opt) {
			return nil, paramFail("delete", fmt.Sprintf("unknown option '%s'", opt))
		}
		if _, ok := params[opt]; ok {
			return nil, paramFail("delete", fmt.Sprintf("you can't use '-%s' and -delete %s' at the same time", opt, opt))
		}
		for _, rv := range reverts {
			if rv == opt {
				return nil, paramFail("delete", fmt.Sprintf("you can't use '-delete %s' and '-revert %s' at the same time", opt, opt))
			}
		}
	}
	next := make(map[string]string, len(g.Config))
	for k, v := range g.Config {
		next[k] = v
	}
	n := s.nodeByName(g.Node)
	p := newPendingState(g)
	for _, opt := range reverts {
		delete(p.values, opt)
		delete(p.deletes, opt)
	}
	modified := map[string]bool{}
	if aerr := s.queueDeletes(g, next, p, deletes, modified); aerr != nil {
		return nil, aerr
	}
	if aerr := s.queueChanges(g, n, next, p, params, modified); aerr != nil {
		return nil, aerr
	}
	p.cleanup(next)
	var aerr *apiError
	if g.Running {
		aerr = s.hotplugPending(g, n, next, p, modified)
	} else {
		aerr = s.applyPending(g, n, next, p, modified)
	}
	if aerr != nil {
		return nil, aerr
	}
	if err := checkKeyctl(withPending(&guest{Config: next, Pending: p.section()})); err != nil {
		return nil, err
	}
	changedNet := next["net0"] != g.Config["net0"]
	if g.Running && changedNet {
		g.IP6 = ip6AfterUpdate(g.Config["net0"], next["net0"], g.IP6) // net_ipv6.go
	}
	// A new hostname changes nothing inside the container until its next
	// start (ct_setup.go).
	g.Config, g.Pending = next, p.section()
	if g.Running && changedNet {
		g.IP = s.assignIP(g)
		s.pokeNetwork() // its listeners move to the new address
	}
	s.writeGuestConf(g)
	s.persistSoon()
	return nil, nil
}

// configOptionExists is option_exists: a key of the config schema.
func (s *Simulator) configOptionExists(opt string) bool {
	m, ok := s.schema["/nodes/{node}/lxc/{vmid}/config"]["PUT"]
	if !ok {
		return false
	}
	switch opt {
	case "node", "vmid", "delete", "revert", "digest":
		return false
	}
	_, ok = m.Parameters.Lookup(opt)
	return ok
}

// queueDeletes is the delete half of update_pct_config: an option set
// neither now nor pending is skipped (PVE warns), required and read-only
// options refuse, protected guests keep their drives; the rest is added to
// the pending deletions.
func (s *Simulator) queueDeletes(g *guest, next map[string]string, p *pendingState, deletes []string, modified map[string]bool) *apiError {
	for _, opt := range deletes {
		_, set := next[opt]
		_, pending := p.values[opt]
		if !set && !pending {
			continue
		}
		modified[opt] = true
		switch {
		case opt == "memory" || opt == "rootfs" || opt == "ostype":
			return fail("unable to delete required option '%s'", opt)
		case isIndexedKey(opt, "unused") || isIndexedKey(opt, "mp"):
			if next["protection"] == "1" {
				return fail("can't remove CT %d drive '%s' - protection mode enabled", g.VMID, opt)
			}
		case opt == "unprivileged":
			return fail("unable to delete read-only option: '%s'", opt)
		}
		p.deletes[opt] = false
	}
	return nil
}

// queueChanges is the add/change half: mount points are parsed and their
// storage must take container directories, unprivileged cannot change,
// tags are made unique; every value goes to the pending section as given.
func (s *Simulator) queueChanges(g *guest, n *node, next map[string]string, p *pendingState, params map[string]string,
	modified map[string]bool) *apiError {
	for _, opt := range sortedKeysOf(params) {
		value := params[opt]
		modified[opt] = true
		switch {
		case isMountKey(opt):
			if next["protection"] == "1" {
				return fail("can't update CT %d drive '%s' - protection mode enabled", g.VMID, opt)
			}
			mp, err := s.parseMountPoint(opt, value)
			if err != nil {
				return paramFail(opt, "invalid format - "+err.Error())
			}
			if mp.kind() == "volume" {
				sid := storageOf(mp.volume())
				if st := n.Storages[sid]; st == nil {
					return fail("storage '%s' does not exist", sid)
				} else if !containsString(st.Content, "rootdir") {
					return fail("storage '%s' does not allow content type 'rootdir' (Container)", sid)
				}
			}
		case opt == "unprivileged":
			return fail("unable to modify read-only option: '%s'", opt)
		case opt == "tags":
			value = s.uniqueTags(value)
		case isIndexedKey(opt, "net"):
			if _, err := parseProperties(s.confFormat(opt), value); err != nil {
				return paramFail(opt, "invalid format - "+err.Error())
			}
			if aerr := s.checkNetMTU(n, opt, value); aerr != nil { // net_mtu.go
				return aerr
			}
		case opt == "nameserver" || opt == "searchdomain":
			value = normalizeDNSOption(opt, value) // net_dns.go
		case isIndexedKey(opt, "dev"):
			if aerr := s.checkDevice(n, opt, value); aerr != nil { // devices.go
				return aerr
			}
		}
		p.values[opt] = value
		delete(p.deletes, opt)
	}
	return nil
}

// applyMountPoint is apply_pending_mountpoint for a stopped guest.
func (s *Simulator) applyMountPoint(g *guest, n *node, next map[string]string, opt, value string) *apiError {
	old, hadOld := next[opt]
	if _, aerr := s.createDisks(n, g.VMID, map[string]string{opt: value}, next); aerr != nil {
		return aerr
	}
	if hadOld {
		if mp, err := s.parseMountPoint(opt, old); err == nil && mp.kind() == "volume" && !s.volumeInUse(g, next, mp.volume()) {
			if aerr := addUnusedVolume(next, mp.volume()); aerr != nil {
				return aerr
			}
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
