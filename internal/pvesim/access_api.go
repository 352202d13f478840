package pvesim

import (
	"fmt"
	"strings"
)

// /access, its groups, roles, ACL and permissions, as pve-access-control's
// src/PVE/API2/{AccessControl,Group,Role,ACL}.pm answer them.

func (s *Simulator) accessIndex(*request) (any, error) {
	out := []any{}
	for _, sub := range []string{"users", "groups", "roles", "acl", "domains", "openid", "tfa", "ticket", "password", "permissions"} {
		out = append(out, map[string]any{"subdir": sub})
	}
	return out, nil
}

// listGroups: groups on which the caller holds User.Modify, Sys.Audit or
// Group.Allocate.
func (s *Simulator) listGroups(r *request) (any, error) {
	out := []any{}
	for _, name := range sortedKeys(r.acc.cfg.Groups) {
		if !r.acc.hasAny(r.authid, "/access/groups/"+name, "User.Modify", "Sys.Audit", "Group.Allocate") {
			continue
		}
		g := r.acc.cfg.Groups[name]
		item := map[string]any{"groupid": name, "users": strings.Join(sortedKeys(g.Users), ",")}
		if g.Comment != "" {
			item["comment"] = g.Comment
		}
		out = append(out, item)
	}
	return out, nil
}

func (s *Simulator) createGroup(r *request) (any, error) {
	name := r.params["groupid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Groups[name] != nil {
			return fmt.Errorf("group '%s' already exists", name)
		}
		c.Groups[name] = &groupEntry{Users: map[string]bool{}, Comment: r.params["comment"]}
		return nil
	})
	if err != nil {
		return nil, lockedFail("create group failed", err)
	}
	return nil, nil
}

func (s *Simulator) getGroup(r *request) (any, error) {
	g := r.acc.cfg.Groups[r.params["groupid"]]
	if g == nil {
		return nil, fail("group '%s' does not exist", r.params["groupid"])
	}
	out := map[string]any{"members": sortedKeys(g.Users)}
	if g.Comment != "" {
		out["comment"] = g.Comment
	}
	return out, nil
}

func (s *Simulator) updateGroup(r *request) (any, error) {
	name := r.params["groupid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		g := c.Groups[name]
		if g == nil {
			return fmt.Errorf("group '%s' does not exist", name)
		}
		if v, ok := r.params["comment"]; ok {
			g.Comment = v
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("update group failed", err)
	}
	return nil, nil
}

// deleteGroup drops the group, its memberships and its ACL entries.
func (s *Simulator) deleteGroup(r *request) (any, error) {
	name := r.params["groupid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Groups[name] == nil {
			return fmt.Errorf("group '%s' does not exist", name)
		}
		delete(c.Groups, name)
		for _, u := range c.Users {
			delete(u.Groups, name)
		}
		var drop func(n *aclNode)
		drop = func(n *aclNode) {
			delete(n.Groups, name)
			for _, child := range n.Children {
				drop(child)
			}
		}
		drop(c.ACL)
		return nil
	})
	if err != nil {
		return nil, lockedFail("delete group failed", err)
	}
	return nil, nil
}

func (s *Simulator) listRoles(r *request) (any, error) {
	out := []any{}
	for _, name := range sortedKeys(r.acc.cfg.Roles) {
		item := map[string]any{"roleid": name, "privs": strings.Join(sortedPrivs(r.acc.cfg.Roles[name]), ",")}
		if r.acc.cfg.roles.special[name] != nil {
			item["special"] = 1
		}
		out = append(out, item)
	}
	return out, nil
}

func (s *Simulator) getRole(r *request) (any, error) {
	privs := r.acc.cfg.Roles[r.params["roleid"]]
	if privs == nil {
		return nil, fail("role '%s' does not exist", r.params["roleid"])
	}
	out := map[string]any{}
	for p := range privs {
		out[p] = 1
	}
	return out, nil
}

// rolePrivs checks a privilege list as the pve-priv-list format does.
func (s *Simulator) rolePrivs(list string) ([]string, *apiError) {
	privs := splitList(list)
	for _, p := range privs {
		if !rolesFor(s.release).valid[p] {
			return nil, paramFail("privs", fmt.Sprintf("invalid format - invalid privilege '%s'", p))
		}
	}
	return privs, nil
}

func (s *Simulator) createRole(r *request) (any, error) {
	name := r.params["roleid"]
	if strings.HasPrefix(strings.ToLower(name), "pve") {
		return nil, paramFail("roleid", "cannot use role ID starting with the (case-insensitive) 'PVE' namespace")
	}
	privs, aerr := s.rolePrivs(r.params["privs"])
	if aerr != nil {
		return nil, aerr
	}
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Roles[name] != nil {
			return fmt.Errorf("role '%s' already exists", name)
		}
		c.Roles[name] = map[string]bool{}
		for _, p := range privs {
			c.Roles[name][p] = true
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("create role failed", err)
	}
	return nil, nil
}

func (s *Simulator) updateRole(r *request) (any, error) {
	name := r.params["roleid"]
	privs, aerr := s.rolePrivs(r.params["privs"])
	if aerr != nil {
		return nil, aerr
	}
	if rolesFor(s.release).special[name] != nil {
		return nil, fail("auto-generated role '%s' cannot be modified", name)
	}
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Roles[name] == nil {
			return fmt.Errorf("role '%s' does not exist", name)
		}
		if !r.bool("append") {
			c.Roles[name] = map[string]bool{}
		}
		for _, p := range privs {
			c.Roles[name][p] = true
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("update role failed", err)
	}
	return nil, nil
}

func (s *Simulator) deleteRole(r *request) (any, error) {
	name := r.params["roleid"]
	if rolesFor(s.release).special[name] != nil {
		return nil, fail("auto-generated role '%s' cannot be deleted", name)
	}
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Roles[name] == nil {
			return fmt.Errorf("role '%s' does not exist", name)
		}
		delete(c.Roles, name)
		var drop func(n *aclNode)
		drop = func(n *aclNode) {
			for _, members := range []map[string]map[string]bool{n.Users, n.Groups, n.Tokens} {
				for _, roles := range members {
					delete(roles, name)
				}
			}
			for _, child := range n.Children {
				drop(child)
			}
		}
		drop(c.ACL)
		return nil
	})
	if err != nil {
		return nil, lockedFail("delete role failed", err)
	}
	return nil, nil
}

// readACL lists the entries on paths whose permissions the caller may
// modify (all of them with Sys.Audit on /access).
func (s *Simulator) readACL(r *request) (any, error) {
	audit := r.acc.has(r.authid, "/access", "Sys.Audit")
	out := []any{}
	for _, e := range r.acc.cfg.aclEntries() {
		if !audit && r.acc.checkPermModify(r.authid, e.Path) != nil {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// updateACL is PUT /access/acl: add (or with delete=1 remove) roles on a
// path for users, groups and tokens. Without Permissions.Modify the caller
// may only hand out privileges it holds itself (and propagate only those
// that propagate for it).
func (s *Simulator) updateACL(r *request) (any, error) {
	if r.params["users"] == "" && r.params["groups"] == "" && r.params["tokens"] == "" {
		msg := "either 'users', 'groups' or 'tokens' is required."
		return nil, paramError(map[string]string{"users": msg, "groups": msg, "tokens": msg})
	}
	raw := r.params["path"]
	path := normalizeACLPath(raw)
	deleting := r.bool("delete")
	if path == "" || (!deleting && !aclPathRe.MatchString(path)) {
		return nil, paramFail("path", fmt.Sprintf("invalid ACL path '%s'", raw))
	}
	propagate := !r.has("propagate") || r.bool("propagate")
	own := r.acc.permissions(r.authid, path)
	_, canModify := own["Permissions.Modify"]
	err := s.changeUserConfig(func(c *userConfig) error {
		node := c.aclNodeAt(path)
		verb := "add"
		if deleting {
			verb = "remove"
		}
		for _, role := range splitList(r.params["roles"]) {
			if c.Roles[role] == nil {
				return fmt.Errorf("role '%s' does not exist", role)
			}
			if !canModify {
				for p := range c.Roles[role] {
					ownPropagates, held := own[p]
					if !held {
						return fmt.Errorf("400 Parameter verification failed.\nrole: Cannot %s role '%s' - requires 'Permissions.Modify' or superset of privileges.",
							verb, role)
					}
					if propagate && !ownPropagates && !deleting {
						return fmt.Errorf("400 Parameter verification failed.\nrole: Cannot %s role '%s' with propagation - requires 'Permissions.Modify' or "+
							"propagated superset of privileges.", verb, role)
					}
				}
				if role == "NoAccess" {
					return fmt.Errorf("400 Parameter verification failed.\nrole: Cannot %s role '%s' - requires 'Permissions.Modify'", verb, role)
				}
			}
			for _, g := range splitList(r.params["groups"]) {
				if c.Groups[g] == nil {
					return fmt.Errorf("group '%s' does not exist", g)
				}
				applyACL(node.Groups, g, role, propagate, deleting)
			}
			for _, u := range splitList(r.params["users"]) {
				if c.Users[u] == nil {
					return fmt.Errorf("user '%s' does not exist", u)
				}
				applyACL(node.Users, u, role, propagate, deleting)
			}
			for _, t := range splitList(r.params["tokens"]) {
				m := tokenIDRe.FindStringSubmatch(t)
				if m == nil {
					return fmt.Errorf("'%s' is not a valid token ID - not able to split into user and token parts", t)
				}
				if _, aerr := existingToken(c, m[1], m[4]); aerr != nil {
					return fmt.Errorf("%s", aerr.Message)
				}
				applyACL(node.Tokens, t, role, propagate, deleting)
			}
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("ACL update failed", err)
	}
	return nil, nil
}

func applyACL(members map[string]map[string]bool, who, role string, propagate, deleting bool) {
	if deleting {
		delete(members[who], role)
		return
	}
	setRole(members, who, role, propagate)
}

// getPermissions is GET /access/permissions: one's own (or an owned
// token's) privileges freely, anyone else's with Sys.Audit on /access.
// Values are the propagate flags.
func (s *Simulator) getPermissions(r *request) (any, error) {
	target := r.params["userid"]
	if target == "" {
		target = r.authid
	}
	owner := ""
	if m := tokenIDRe.FindStringSubmatch(target); m != nil {
		owner = m[1]
	}
	if target != r.authid && owner != r.authid {
		if aerr := r.acc.check(r.authid, "/access", "Sys.Audit"); aerr != nil {
			return nil, aerr
		}
	}
	flags := func(p privSet) map[string]int {
		out := map[string]int{}
		for k, v := range p {
			out[k] = boolInt(v)
		}
		return out
	}
	if path := r.params["path"]; path != "" {
		return map[string]any{path: flags(r.acc.permissions(target, path))}, nil
	}
	out := map[string]any{}
	for path, privs := range r.acc.effective(target) {
		out[path] = flags(privs)
	}
	return out, nil
}
