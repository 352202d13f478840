package pvesim

import (
	"strings"
)

// permissions is RPCEnvironment::permissions: the privileges authid (a user
// or a full token id) holds on path. root@pam holds every privilege; a token
// without privilege separation holds its user's; a privsep token holds the
// intersection of its own ACLs and its user's.
func (a *accessState) permissions(authid, path string) privSet {
	if authid == "root@pam" {
		return a.cfg.Roles["Administrator"]
	}
	if m := tokenIDRe.FindStringSubmatch(authid); m != nil {
		tok := a.cfg.token(authid)
		if tok == nil {
			return privSet{}
		}
		userPrivs := a.permissions(m[1], path)
		if !tok.Privsep {
			return userPrivs
		}
		return a.compiled(authid, path, userPrivs)
	}
	if !userIDRe.MatchString(authid) {
		return privSet{}
	}
	return a.compiled(authid, path, nil)
}

// compiled is compile_acl_path with its cache: the roles along the path,
// those inherited from pools, and their privileges; intersected with the
// owning user's privileges for a privsep token.
func (a *accessState) compiled(authid, path string, userPrivs privSet) privSet {
	key := authid + "\x00" + path
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.privs[key]; ok {
		return p
	}
	roles := a.cfg.roleNames(authid, path)
	if pool := a.poolRolesLocked(authid)[path]; pool != nil {
		// NoAccess on the path wins over pools; a pool's NoAccess wins over
		// the other roles of the path.
		if _, denied := roles["NoAccess"]; !denied {
			if _, poolDenied := pool["NoAccess"]; poolDenied {
				roles = map[string]bool{"NoAccess": false}
			} else {
				for role := range pool {
					if _, set := roles[role]; !set {
						roles[role] = false
					}
				}
			}
		}
	}
	// A privilege propagates when any role that holds it does.
	privs := privSet{}
	for role, propagate := range roles {
		for p := range a.cfg.Roles[role] {
			privs[p] = privs[p] || propagate
		}
	}
	if userPrivs != nil {
		for p := range privs {
			userPropagates, held := userPrivs[p]
			if !held {
				delete(privs, p)
				continue
			}
			privs[p] = privs[p] && userPropagates
		}
	}
	a.privs[key] = privs
	return privs
}

// poolRolesLocked resolves, once per identity, the roles it holds through
// pools on the guests and storages of each pool.
func (a *accessState) poolRolesLocked(authid string) map[string]map[string]bool {
	if pr, ok := a.poolRoles[authid]; ok {
		return pr
	}
	pr := map[string]map[string]bool{}
	for name, pool := range a.cfg.Pools {
		roles := a.cfg.roleNames(authid, "/pool/"+name)
		if len(roles) == 0 {
			continue
		}
		add := func(path string) {
			if pr[path] == nil {
				pr[path] = map[string]bool{}
			}
			for role := range roles {
				pr[path][role] = true
			}
		}
		for vmid := range pool.VMs {
			add("/vms/" + itoa(vmid))
		}
		for st := range pool.Storage {
			add("/storage/" + st)
		}
	}
	a.poolRoles[authid] = pr
	return pr
}

// roleNames is AccessControl::roles: walking from / to the path, the most
// specific ACL level that gives the identity any role wins; at each level a
// token's own entry beats the user's, which beats its groups'; entries above
// the last level count only when they propagate. NoAccess, when present,
// is the only role left.
func (c *userConfig) roleNames(authid, path string) map[string]bool {
	if authid == "root@pam" {
		return map[string]bool{"Administrator": true}
	}
	if m := tokenIDRe.FindStringSubmatch(authid); m != nil {
		tok := c.token(authid)
		if tok == nil {
			return map[string]bool{}
		}
		if !tok.Privsep {
			return c.roleNames(m[1], path)
		}
	}
	// Perl's split: "/" is one empty element, "" none at all.
	var parts []string
	switch path {
	case "":
	case "/":
		parts = []string{""}
	default:
		parts = strings.Split(path, "/")
	}
	roles := map[string]bool{}
	n := c.ACL
	for i, p := range parts {
		final := i == len(parts)-1
		if p != "" {
			if n != nil {
				n = n.Children[p]
			}
		}
		if n == nil {
			continue
		}
		if applied := applicable(n.Tokens[authid], final); applied != nil {
			roles = applied
			continue
		}
		if applied := applicable(n.Users[authid], final); applied != nil {
			roles = applied
			continue
		}
		var fromGroups map[string]bool
		for group, groupRoles := range n.Groups {
			if g := c.Groups[group]; g == nil || !g.Users[authid] {
				continue
			}
			for role, propagate := range groupRoles {
				if final || propagate {
					if fromGroups == nil {
						fromGroups = map[string]bool{}
					}
					fromGroups[role] = propagate
				}
			}
		}
		if fromGroups != nil {
			roles = fromGroups
		}
	}
	if propagate, ok := roles["NoAccess"]; ok {
		return map[string]bool{"NoAccess": propagate}
	}
	return roles
}

func applicable(memberRoles map[string]bool, final bool) map[string]bool {
	var out map[string]bool
	for role, propagate := range memberRoles {
		if final || propagate {
			if out == nil {
				out = map[string]bool{}
			}
			out[role] = propagate
		}
	}
	return out
}

// check is RPCEnvironment::check: every privilege on the path.
func (a *accessState) check(authid, path string, privs ...string) *apiError {
	have := a.permissions(authid, path)
	for _, p := range privs {
		if _, ok := have[p]; !ok {
			return permissionError(path, p)
		}
	}
	return nil
}

// checkAny is RPCEnvironment::check_any: one of the privileges on the path.
func (a *accessState) checkAny(authid, path string, privs ...string) *apiError {
	have := a.permissions(authid, path)
	for _, p := range privs {
		if _, ok := have[p]; ok {
			return nil
		}
	}
	return permissionError(path, strings.Join(privs, "|"))
}

// has reports whether the identity holds every privilege on the path.
func (a *accessState) has(authid, path string, privs ...string) bool {
	return a.check(authid, path, privs...) == nil
}

// hasAny reports whether the identity holds one of the privileges on the path.
func (a *accessState) hasAny(authid, path string, privs ...string) bool {
	return a.checkAny(authid, path, privs...) == nil
}

// checkVMPerm is check_vm_perm: the pool's path first, when the guest is in
// one, then the guest's.
func (a *accessState) checkVMPerm(authid string, vmid int, pool string, privs ...string) *apiError {
	if pool != "" && a.has(authid, "/pool/"+pool, privs...) {
		return nil
	}
	return a.check(authid, "/vms/"+itoa(vmid), privs...)
}

// effective is get_effective_permissions: the privileges on every top-level
// path, every path an ACL names and every path a pool names, leaving out
// paths without any.
func (a *accessState) effective(authid string) map[string]privSet {
	paths := map[string]bool{"/": true, "/access": true, "/access/groups": true, "/nodes": true, "/pool": true, "/sdn": true, "/storage": true,
		"/vms": true}
	a.cfg.walkACL("/", a.cfg.ACL, func(path string, _ *aclNode) { paths[path] = true })
	for _, pool := range a.cfg.Pools {
		for vmid := range pool.VMs {
			paths["/vms/"+itoa(vmid)] = true
		}
		for st := range pool.Storage {
			paths["/storage/"+st] = true
		}
	}
	out := map[string]privSet{}
	for p := range paths {
		if privs := a.permissions(authid, p); len(privs) > 0 {
			out[p] = privs
		}
	}
	return out
}
