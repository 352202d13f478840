package pvesim

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Resource pools, as pve-manager's PVE/API2/Pool.pm serves them (the same
// code in 8.x and 9.x): the pools live in user.cfg's "pool:" lines, so every
// change runs under lock_user_config and fails as it does ("update pools
// failed: ..."). PUT and DELETE on /pools/{poolid} are the deprecated forms
// of PUT and DELETE on /pools with a poolid parameter, and call the same code.
func (s *Simulator) poolRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/pools":          {"GET": s.listPools, "POST": s.createPool, "PUT": s.updatePool, "DELETE": s.deletePool},
		"/pools/{poolid}": {"GET": s.readPool, "PUT": s.updatePool, "DELETE": s.deletePool},
	}
}

// listPools is Pool.pm's index: the pools the caller has Pool.Audit on, or
// one pool with its members when poolid is given.
func (s *Simulator) listPools(r *request) (any, error) {
	if id := r.params["poolid"]; id != "" {
		one, err := s.poolInfo(r, id)
		if err != nil {
			return nil, err
		}
		return []any{one}, nil
	}
	out := []any{}
	for _, name := range sortedKeys(r.acc.cfg.Pools) {
		if !r.acc.has(r.authid, "/pool/"+name, "Pool.Audit") {
			continue
		}
		entry := map[string]any{"poolid": name}
		if c := r.acc.cfg.Pools[name].Comment; c != "" {
			entry["comment"] = c
		}
		out = append(out, entry)
	}
	return out, nil
}

// readPool is read_pool: index for one pool, its first entry.
func (s *Simulator) readPool(r *request) (any, error) {
	return s.poolInfo(r, r.params["poolid"])
}

// poolInfo is the pool with its members: the guests that still exist
// (extract_vm_stats of each, filtered by type) and its storages.
func (s *Simulator) poolInfo(r *request, id string) (map[string]any, error) {
	p := r.acc.cfg.Pools[id]
	if p == nil {
		return nil, fail("pool '%s' does not exist", id)
	}
	typ := r.params["type"]
	members := []any{}
	s.mu.Lock()
	for _, vmid := range sortedInts(p.VMs) {
		g := s.guests[vmid]
		if g == nil || (typ != "" && typ != "lxc") {
			continue
		}
		item := s.guestStatusJSON(g)
		item["id"], item["node"], item["type"] = "lxc/"+strconv.Itoa(vmid), g.Node, "lxc"
		members = append(members, item)
	}
	s.mu.Unlock()
	if typ == "" || typ == "storage" {
		for _, st := range sortedKeys(p.Storage) {
			members = append(members, map[string]any{"id": "storage/" + s.nodes[0].Name + "/" + st, "storage": st, "type": "storage",
				"node": s.nodes[0].Name})
		}
	}
	out := map[string]any{"poolid": id, "members": members}
	if p.Comment != "" {
		out["comment"] = p.Comment
	}
	return out, nil
}

// createPool is create_pool; a nested pool's parent must exist.
func (s *Simulator) createPool(r *request) (any, error) {
	name := r.params["poolid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Pools[name] != nil {
			return fmt.Errorf("pool '%s' already exists", name)
		}
		if i := strings.LastIndex(name, "/"); i > 0 && c.Pools[name[:i]] == nil {
			return fmt.Errorf("parent '%s' of pool '%s' does not exist", name[:i], name)
		}
		c.Pools[name] = &poolEntry{Comment: r.params["comment"], VMs: map[int]bool{}, Storage: map[string]bool{}}
		return nil
	})
	if err != nil {
		return nil, lockedFail("create pool failed", err)
	}
	return nil, nil
}

// updatePool is update_pool: adds or (delete=1) removes guests and
// storages. Each guest needs check_perm_modify on /vms/N (Permissions.Modify
// or VM.Allocate), each storage on /storage/X (or Datastore.Allocate); a
// guest of another pool moves only with allow-move, and Pool.Allocate on
// that pool too.
func (s *Simulator) updatePool(r *request) (any, error) {
	name := r.params["poolid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		p := c.Pools[name]
		if p == nil {
			return fmt.Errorf("pool '%s' does not exist", name)
		}
		if v, ok := r.params["comment"]; ok {
			p.Comment = v
		}
		if v, ok := r.params["vms"]; ok {
			if err := s.updatePoolGuests(r, c, name, splitList(v)); err != nil {
				return err
			}
		}
		if v, ok := r.params["storage"]; ok {
			return updatePoolStorages(r, p, splitList(v))
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("update pools failed", err)
	}
	return nil, nil
}

func (s *Simulator) updatePoolGuests(r *request, c *userConfig, name string, vmids []string) error {
	p := c.Pools[name]
	for _, v := range vmids {
		vmid, _ := strconv.Atoi(v)
		if aerr := r.acc.checkPermModify(r.authid, "/vms/"+v); aerr != nil {
			return errors.New(aerr.Message)
		}
		if r.bool("delete") {
			if !p.VMs[vmid] {
				return fmt.Errorf("VM %s is not a pool member", v)
			}
			delete(p.VMs, vmid)
			delete(c.VMPool, vmid)
			continue
		}
		if p.VMs[vmid] {
			return fmt.Errorf("VM %s is already a pool member", v)
		}
		if existing := c.VMPool[vmid]; existing != "" {
			if !r.bool("allow-move") {
				return fmt.Errorf("VM %s belongs already to pool '%s' and 'allow-move' is not set", v, existing)
			}
			if aerr := r.acc.check(r.authid, "/pool/"+existing, "Pool.Allocate"); aerr != nil {
				return errors.New(aerr.Message)
			}
			if c.Pools[existing] != nil {
				delete(c.Pools[existing].VMs, vmid)
			}
		}
		p.VMs[vmid] = true
		c.VMPool[vmid] = name
	}
	return nil
}

func updatePoolStorages(r *request, p *poolEntry, ids []string) error {
	for _, st := range ids {
		if aerr := r.acc.checkPermModify(r.authid, "/storage/"+st); aerr != nil {
			return errors.New(aerr.Message)
		}
		switch {
		case r.bool("delete") && !p.Storage[st]:
			return fmt.Errorf("Storage '%s' is not a pool member", st)
		case r.bool("delete"):
			delete(p.Storage, st)
		case p.Storage[st]:
			return fmt.Errorf("Storage '%s' is already a pool member", st)
		default:
			p.Storage[st] = true
		}
	}
	return nil
}

// deletePool is delete_pool: only an empty pool goes (guests that no
// longer exist do not count), and its ACL entries with it.
func (s *Simulator) deletePool(r *request) (any, error) {
	name := r.params["poolid"]
	s.mu.Lock()
	exists := map[int]bool{}
	for vmid := range s.guests {
		exists[vmid] = true
	}
	s.mu.Unlock()
	err := s.changeUserConfig(func(c *userConfig) error {
		p := c.Pools[name]
		if p == nil {
			return fmt.Errorf("pool '%s' does not exist", name)
		}
		for _, sub := range sortedKeys(c.Pools) {
			if strings.HasPrefix(sub, name+"/") {
				return fmt.Errorf("pool '%s' is not empty (contains pool '%s')", name, sub)
			}
		}
		for _, vmid := range sortedInts(p.VMs) {
			if exists[vmid] {
				return fmt.Errorf("pool '%s' is not empty (contains VM %d)", name, vmid)
			}
		}
		if len(p.Storage) > 0 {
			return fmt.Errorf("pool '%s' is not empty (contains storage '%s')", name, sortedKeys(p.Storage)[0])
		}
		delete(c.Pools, name)
		// delete_pool_acl: the entry of the pool's name under /pool (a
		// nested pool's name, with its slash, names no entry there).
		if n := c.ACL.Children["pool"]; n != nil {
			delete(n.Children, name)
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("delete pool failed", err)
	}
	return nil, nil
}

// poolResources are /cluster/resources' pool entries (type pool), for the
// pools the caller has Pool.Audit on.
func (s *Simulator) poolResources(r *request, typ string) []any {
	out := []any{}
	if typ != "" && typ != "pool" {
		return out
	}
	for _, name := range sortedKeys(r.acc.cfg.Pools) {
		if r.acc.has(r.authid, "/pool/"+name, "Pool.Audit") {
			out = append(out, map[string]any{"id": "/pool/" + name, "pool": name, "type": "pool"})
		}
	}
	return out
}

// guestPool adds a listed guest's pool, which the listing shows only to a
// caller with Pool.Audit on that pool (Cluster.pm resources).
func guestPool(r *request, item map[string]any, vmid int) {
	if pool := r.acc.cfg.VMPool[vmid]; pool != "" && r.acc.has(r.authid, "/pool/"+pool, "Pool.Audit") {
		item["pool"] = pool
	}
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
