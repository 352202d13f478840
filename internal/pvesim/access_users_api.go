package pvesim

import (
	"fmt"
	"strconv"
	"strings"
)

// The /access/users tree, as pve-access-control's src/PVE/API2/User.pm
// answers it. Changes run under lock_user_config, whose failures read
// "<what> failed: <reason>" with status 500.

// lockedFail is how lock_user_config reports a failure inside the lock.
func lockedFail(what string, err error) *apiError {
	return fail("%s: %v", what, err)
}

// userJSON is extract_user_data.
func userJSON(u *userEntry, full bool) map[string]any {
	out := map[string]any{"enable": boolInt(u.Enable), "expire": u.Expire}
	for k, v := range map[string]string{"firstname": u.Firstname, "lastname": u.Lastname, "email": u.Email, "comment": u.Comment, "keys": u.Keys} {
		if v != "" {
			out[k] = v
		}
	}
	if len(u.Groups) > 0 {
		out["groups"] = sortedKeys(u.Groups)
	}
	if full {
		tokens := map[string]any{}
		for tid, t := range u.Tokens {
			tokens[tid] = tokenJSON(t)
		}
		out["tokens"] = tokens
	}
	return out
}

func tokenJSON(t *tokenEntry) map[string]any {
	out := map[string]any{"privsep": boolInt(t.Privsep), "expire": t.Expire}
	if t.Comment != "" {
		out["comment"] = t.Comment
	}
	return out
}

// listUsers: users the caller may administer (User.Modify or Sys.Audit on
// /access/groups, or on a group the user is in) and always the caller.
func (s *Simulator) listUsers(r *request) (any, error) {
	a := r.acc
	privs := []string{"User.Modify", "Sys.Audit"}
	canModAll := a.hasAny(r.authid, "/access/groups", privs...)
	allowed := map[string]bool{}
	for name, g := range a.cfg.Groups {
		if a.hasAny(r.authid, "/access/groups/"+name, privs...) {
			for u := range g.Users {
				allowed[u] = true
			}
		}
	}
	out := []any{}
	for _, id := range sortedKeys(a.cfg.Users) {
		if !canModAll && id != r.authid && !allowed[id] {
			continue
		}
		u := a.cfg.Users[id]
		if r.has("enabled") && u.Enable != r.bool("enabled") {
			continue
		}
		entry := userJSON(u, r.bool("full"))
		if g, ok := entry["groups"].([]string); ok {
			entry["groups"] = strings.Join(g, ",")
		}
		if tokens, ok := entry["tokens"].(map[string]any); ok {
			list := []any{}
			for _, tid := range sortedKeys(tokens) {
				t, ok := tokens[tid].(map[string]any)
				if !ok {
					continue // userJSON makes every token an object
				}
				t["tokenid"] = tid
				list = append(list, t)
			}
			entry["tokens"] = list
		}
		entry["userid"] = id
		_, realm, _ := strings.Cut(id, "@")
		if realm == "pam" || realm == "pve" {
			entry["realm-type"] = realm
		}
		out = append(out, entry)
	}
	return out, nil
}

func (s *Simulator) createUser(r *request) (any, error) {
	id := r.params["userid"]
	name, realm, _ := strings.Cut(id, "@")
	err := s.changeUserConfig(func(c *userConfig) error {
		if c.Users[id] != nil {
			return fmt.Errorf("user '%s' already exists", id)
		}
		if pw, ok := r.params["password"]; ok {
			if err := s.setRealmPassword(realm, name, pw); err != nil {
				return err
			}
		}
		u := &userEntry{Enable: !r.has("enable") || r.bool("enable"), Groups: map[string]bool{}, Tokens: map[string]*tokenEntry{}}
		u.Expire, _ = strconv.ParseInt(orZero(r.params["expire"]), 10, 64)
		c.Users[id] = u
		for _, g := range splitList(r.params["groups"]) {
			if c.Groups[g] == nil {
				return fmt.Errorf("no such group '%s'", g)
			}
			c.Groups[g].Users[id], u.Groups[g] = true, true
		}
		u.Firstname, u.Lastname, u.Email = r.params["firstname"], r.params["lastname"], r.params["email"]
		u.Comment, u.Keys = r.params["comment"], r.params["keys"]
		return nil
	})
	if err != nil {
		return nil, lockedFail("create user failed", err)
	}
	return nil, nil
}

// setRealmPassword is domain_set_password: the pve realm keeps a hash in
// priv/shadow.cfg; pam would run usermod on the node, where the simulator
// has no such account but root.
func (s *Simulator) setRealmPassword(realm, name, password string) error {
	switch realm {
	case "pve":
		hash, err := encryptPassword(password)
		if err != nil {
			return err
		}
		s.changeShadow(func(shadow map[string]string) { shadow[name] = hash })
		return nil
	case "pam":
		if name != "root" {
			return fmt.Errorf("change password failed: user '%s' does not exist", name)
		}
		s.mu.Lock()
		s.sec.Password = password
		s.mu.Unlock()
		s.persistSoon()
		return nil
	}
	return fmt.Errorf("auth domain '%s' does not exist", realm)
}

func (s *Simulator) getUser(r *request) (any, error) {
	id := r.params["userid"]
	u := r.acc.cfg.Users[id]
	if u == nil {
		return nil, fail("no such user ('%s')", id)
	}
	return userJSON(u, true), nil
}

func (s *Simulator) updateUser(r *request) (any, error) {
	id := r.params["userid"]
	err := s.changeUserConfig(func(c *userConfig) error {
		u := c.Users[id]
		if u == nil {
			return fmt.Errorf("no such user ('%s')", id)
		}
		if r.has("enable") {
			u.Enable = r.bool("enable")
		}
		if r.has("expire") {
			u.Expire, _ = strconv.ParseInt(r.params["expire"], 10, 64)
		}
		if r.has("groups") && !r.bool("append") {
			for g := range u.Groups {
				delete(c.Groups[g].Users, id)
			}
			u.Groups = map[string]bool{}
		}
		for _, g := range splitList(r.params["groups"]) {
			if c.Groups[g] == nil {
				return fmt.Errorf("no such group '%s'", g)
			}
			c.Groups[g].Users[id], u.Groups[g] = true, true
		}
		for key, field := range map[string]*string{"firstname": &u.Firstname, "lastname": &u.Lastname, "email": &u.Email, "comment": &u.Comment,
			"keys": &u.Keys} {
			if v, ok := r.params[key]; ok {
				*field = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, lockedFail("update user failed", err)
	}
	return nil, nil
}

// deleteUser removes the user with its tokens, group memberships, ACLs and
// stored password. Deleting a user that does not exist succeeds, as in PVE.
func (s *Simulator) deleteUser(r *request) (any, error) {
	id := r.params["userid"]
	name, realm, _ := strings.Cut(id, "@")
	var tokens []string
	err := s.changeUserConfig(func(c *userConfig) error {
		if u := c.Users[id]; u != nil {
			for tid := range u.Tokens {
				tokens = append(tokens, id+"!"+tid)
			}
			for g := range u.Groups {
				delete(c.Groups[g].Users, id)
			}
		}
		delete(c.Users, id)
		for _, g := range c.Groups {
			delete(g.Users, id)
		}
		c.dropMemberACLs(c.ACL, id)
		return nil
	})
	if err != nil {
		return nil, lockedFail("delete user failed", err)
	}
	if realm == "pve" {
		s.changeShadow(func(shadow map[string]string) { delete(shadow, name) })
	}
	if len(tokens) > 0 {
		s.changeTokenSecrets(func(secrets map[string]string) {
			for _, t := range tokens {
				delete(secrets, t)
			}
		})
	}
	return nil, nil
}

// dropMemberACLs is delete_user_acl.
func (c *userConfig) dropMemberACLs(n *aclNode, userid string) {
	delete(n.Users, userid)
	for _, child := range n.Children {
		c.dropMemberACLs(child, userid)
	}
}

func (s *Simulator) listTokens(r *request) (any, error) {
	id := r.params["userid"]
	u := r.acc.cfg.Users[id]
	if u == nil {
		return nil, fail("no such user ('%s')", id)
	}
	out := []any{}
	for _, tid := range sortedKeys(u.Tokens) {
		t := tokenJSON(u.Tokens[tid])
		t["tokenid"] = tid
		out = append(out, t)
	}
	return out, nil
}

func (s *Simulator) getToken(r *request) (any, error) {
	t, aerr := existingToken(r.acc.cfg, r.params["userid"], r.params["tokenid"])
	if aerr != nil {
		return nil, aerr
	}
	return tokenJSON(t), nil
}

// existingToken is check_token_exist with its messages.
func existingToken(c *userConfig, userid, tokenid string) (*tokenEntry, *apiError) {
	u := c.Users[userid]
	if u == nil {
		return nil, fail("no such user ('%s')", userid)
	}
	t := u.Tokens[tokenid]
	if t == nil {
		return nil, fail("no such token '%s' for user '%s'", tokenid, userid)
	}
	return t, nil
}

// createToken is generate_token: the secret is returned once and kept only
// in priv/token.cfg. privsep defaults to 1.
func (s *Simulator) createToken(r *request) (any, error) {
	userid, tokenid := r.params["userid"], r.params["tokenid"]
	if r.acc.cfg.Users[userid] == nil {
		return nil, fail("no such user ('%s')", userid)
	}
	if r.acc.cfg.Users[userid].Tokens[tokenid] != nil {
		return nil, paramFail("tokenid", "Token already exists.")
	}
	full := userid + "!" + tokenid
	value := uuidLike(randomBytes(16))
	info := map[string]any{"privsep": 1}
	err := s.changeUserConfig(func(c *userConfig) error {
		u := c.Users[userid]
		if u == nil {
			return fmt.Errorf("no such user ('%s')", userid)
		}
		if u.Tokens[tokenid] != nil {
			return fmt.Errorf("Token already exists.")
		}
		t := &tokenEntry{Privsep: !r.has("privsep") || r.bool("privsep"), Comment: r.params["comment"]}
		// The handler returns the parameters as it got them: strings,
		// unless defaulted.
		if v, ok := r.params["expire"]; ok {
			t.Expire, _ = strconv.ParseInt(v, 10, 64)
			info["expire"] = v
		}
		if v, ok := r.params["privsep"]; ok {
			info["privsep"] = v
		}
		if t.Comment != "" {
			info["comment"] = t.Comment
		}
		u.Tokens[tokenid] = t
		s.changeTokenSecrets(func(secrets map[string]string) { secrets[full] = value })
		return nil
	})
	if err != nil {
		return nil, lockedFail("generating token failed", err)
	}
	return map[string]any{"full-tokenid": full, "info": info, "value": value}, nil
}

func (s *Simulator) updateToken(r *request) (any, error) {
	userid, tokenid := r.params["userid"], r.params["tokenid"]
	if _, aerr := existingToken(r.acc.cfg, userid, tokenid); aerr != nil {
		return nil, aerr
	}
	var out map[string]any
	err := s.changeUserConfig(func(c *userConfig) error {
		t, aerr := existingToken(c, userid, tokenid)
		if aerr != nil {
			return fmt.Errorf("%s", aerr.Message)
		}
		if r.has("privsep") {
			t.Privsep = r.bool("privsep")
		}
		if v, ok := r.params["expire"]; ok {
			t.Expire, _ = strconv.ParseInt(v, 10, 64)
		}
		if v := r.params["comment"]; v != "" {
			t.Comment = v
		}
		out = tokenJSON(t)
		return nil
	})
	if err != nil {
		return nil, lockedFail("updating token info failed", err)
	}
	return out, nil
}

func (s *Simulator) deleteToken(r *request) (any, error) {
	userid, tokenid := r.params["userid"], r.params["tokenid"]
	if _, aerr := existingToken(r.acc.cfg, userid, tokenid); aerr != nil {
		return nil, aerr
	}
	err := s.changeUserConfig(func(c *userConfig) error {
		if _, aerr := existingToken(c, userid, tokenid); aerr != nil {
			return fmt.Errorf("%s", aerr.Message)
		}
		s.changeTokenSecrets(func(secrets map[string]string) { delete(secrets, userid+"!"+tokenid) })
		delete(c.Users[userid].Tokens, tokenid)
		return nil
	})
	if err != nil {
		return nil, lockedFail("deleting token failed", err)
	}
	return nil, nil
}

// changePassword is PUT /access/password (tickets only, never tokens):
// root@pam's password is root's alone to change; other callers must confirm
// their own password.
func (s *Simulator) changePassword(r *request) (any, error) {
	userid := r.params["userid"]
	name, realm, _ := strings.Cut(userid, "@")
	if r.acc.cfg.Users[userid] == nil {
		return nil, fail("no such user ('%s')", userid)
	}
	if userid == "root@pam" && r.authid != "root@pam" {
		return nil, errPermDenied
	}
	if r.authid != "root@pam" {
		confirm, ok := r.params["confirmation-password"]
		if !ok {
			return nil, paramFail("confirmation-password", "password is required to modify user")
		}
		if !s.passwordMatches(r.acc, r.authid, confirm) {
			// The realm plugin dies; it is no authentication of the request.
			return nil, fail("invalid credentials")
		}
	}
	if err := s.setRealmPassword(realm, name, r.params["password"]); err != nil {
		return nil, fail("%v", err)
	}
	return nil, nil
}
