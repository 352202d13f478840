package pvesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

// permCheck is one compiled `check` expression of the schema, evaluated as
// RPCEnvironment::exec_api2_perm_check does.
type permCheck struct {
	op           string // perm, and, or, userid-param, userid-group, perm-modify
	path         string // a template such as /vms/{vmid}
	privs        []string
	any          bool
	requireParam string
	subtest      string // userid-param: self or Realm.AllocateUser
	groupsParam  string // userid-group: create or update
	sub          []*permCheck
}

// methodPerms is a method's compiled permission object.
type methodPerms struct {
	rootOnly bool // no permission object: root@pam only
	world    bool
	all      bool
	check    *permCheck
}

func compilePerms(p *pveschema.Permissions) (*methodPerms, error) {
	if p == nil {
		return &methodPerms{rootOnly: true}, nil
	}
	mp := &methodPerms{world: p.User == "world", all: p.User == "all"}
	if len(p.Check) > 0 {
		var raw []any
		if err := json.Unmarshal(p.Check, &raw); err != nil {
			return nil, err
		}
		c, err := compileCheck(raw)
		if err != nil {
			return nil, err
		}
		mp.check = c
	}
	return mp, nil
}

func compileCheck(raw []any) (*permCheck, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("no permission test specified")
	}
	op, _ := raw[0].(string)
	c := &permCheck{op: op}
	options := func(from int) {
		for i := from; i+1 < len(raw); i += 2 {
			key, _ := raw[i].(string)
			switch key {
			case "any":
				c.any = fmt.Sprint(raw[i+1]) == "1"
			case "require_param":
				c.requireParam, _ = raw[i+1].(string)
			case "groups_param":
				c.groupsParam, _ = raw[i+1].(string)
			}
		}
	}
	strs := func(v any) []string {
		list, _ := v.([]any)
		out := make([]string, 0, len(list))
		for _, x := range list {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	switch op {
	case "and", "or":
		for _, s := range raw[1:] {
			list, ok := s.([]any)
			if !ok {
				return nil, fmt.Errorf("bad sub-check %v", s)
			}
			sub, err := compileCheck(list)
			if err != nil {
				return nil, err
			}
			c.sub = append(c.sub, sub)
		}
	case "perm":
		if len(raw) < 3 {
			return nil, fmt.Errorf("missing parameters")
		}
		c.path, _ = raw[1].(string)
		c.privs = strs(raw[2])
		options(3)
	case "userid-param":
		if len(raw) < 2 {
			return nil, fmt.Errorf("missing parameters")
		}
		c.subtest, _ = raw[1].(string)
	case "userid-group":
		if len(raw) < 2 {
			return nil, fmt.Errorf("missing parameters")
		}
		c.privs = strs(raw[1])
		options(2)
	case "perm-modify":
		c.path, _ = raw[1].(string)
	default:
		return nil, fmt.Errorf("unknown permission test %q", op)
	}
	return c, nil
}

var templateVarRe = regexp.MustCompile(`\{([^}]+)\}`)

// templateReplace is PVE::Tools::template_replace.
func templateReplace(tmpl string, params map[string]string) string {
	return templateVarRe.ReplaceAllStringFunc(tmpl, func(m string) string {
		return params[m[1:len(m)-1]]
	})
}

// errPermDenied is raise_perm_exc() without a subject.
var errPermDenied = &apiError{Status: http.StatusForbidden, Message: "Permission check failed"}

func permDenied(what string) *apiError {
	return &apiError{Status: http.StatusForbidden, Message: "Permission check failed (" + what + ")"}
}

// checkAPI2 is check_api2_permissions: root@pam passes everything; a method
// without a permission object is root's alone; `user: all` leaves the
// checks to the handler; otherwise the check expression decides.
func (a *accessState) checkAPI2(mp *methodPerms, authid string, params map[string]string) *apiError {
	if mp.world {
		return nil
	}
	if authid == "root@pam" {
		return nil
	}
	if mp.rootOnly {
		return permDenied("user != root@pam")
	}
	if mp.all {
		return nil
	}
	if mp.check != nil {
		_, err := a.eval(mp.check, authid, params, false)
		return err
	}
	return errPermDenied
}

// eval runs one check; with noerr a failure is (false, nil) rather than the
// error PVE would raise. Errors that are not permission failures (an unknown
// user) are returned even with noerr, as the Perl dies with them.
func (a *accessState) eval(c *permCheck, authid string, params map[string]string, noerr bool) (bool, *apiError) {
	failWith := func(err *apiError) (bool, *apiError) {
		if noerr {
			return false, nil
		}
		return false, err
	}
	switch c.op {
	case "and":
		for _, sub := range c.sub {
			if _, err := a.eval(sub, authid, params, false); err != nil {
				return false, err
			}
		}
		return true, nil
	case "or":
		for _, sub := range c.sub {
			ok, err := a.eval(sub, authid, params, true)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
		return failWith(errPermDenied)
	case "perm":
		if c.requireParam != "" {
			if _, ok := params[c.requireParam]; !ok {
				return failWith(errPermDenied)
			}
		}
		path := normalizeACLPath(templateReplace(c.path, params))
		var err *apiError
		if c.any {
			err = a.checkAny(authid, path, c.privs...)
		} else {
			err = a.check(authid, path, c.privs...)
		}
		if err != nil {
			return failWith(err)
		}
		return true, nil
	case "userid-param":
		userid := params["userid"]
		m := userIDRe.FindStringSubmatch(userid)
		if m == nil {
			return false, fail("value '%s' does not look like a valid user name", userid)
		}
		if c.subtest == "self" {
			if a.cfg.Users[userid] == nil {
				if noerr {
					return false, nil
				}
				return false, fail("no such user ('%s')", userid)
			}
			if authid == userid {
				return true, nil
			}
			return failWith(errPermDenied)
		}
		if err := a.check(authid, "/access/realm/"+m[2], "Realm.AllocateUser"); err != nil {
			return failWith(err)
		}
		return true, nil
	case "userid-group":
		return a.evalUseridGroup(c, authid, params, noerr)
	case "perm-modify":
		path := normalizeACLPath(templateReplace(c.path, params))
		if path == "" {
			// The Perl returns 0 without raising: the handler's own
			// 400 for the path is what the caller sees.
			return true, nil
		}
		if err := a.checkPermModify(authid, path); err != nil {
			return failWith(err)
		}
		return true, nil
	}
	return false, fail("unknown permission test")
}

// evalUseridGroup is the userid-group test: the privileges on
// /access/groups, or on every group named in `groups` (for create and
// update) and on a group the user is a member of (for existing users).
func (a *accessState) evalUseridGroup(c *permCheck, authid string, params map[string]string, noerr bool) (bool, *apiError) {
	userid := params["userid"]
	checkExisting := c.groupsParam != "create"
	if checkExisting && a.cfg.Users[userid] == nil {
		if noerr {
			return false, nil
		}
		if !userIDRe.MatchString(userid) {
			return false, fail("value '%s' does not look like a valid user name", userid)
		}
		return false, fail("no such user ('%s')", userid)
	}
	if a.hasAny(authid, "/access/groups", c.privs...) {
		return true, nil
	}
	allowed := map[string]bool{}
	for group := range a.cfg.Groups {
		if a.hasAny(authid, "/access/groups/"+group, c.privs...) {
			allowed[group] = true
		}
	}
	joined := strings.Join(c.privs, "|")
	if c.groupsParam != "" {
		named := splitList(params["groups"])
		if len(named) == 0 {
			return false, permDenied("/access/groups, " + joined)
		}
		for _, g := range named {
			if !allowed[g] {
				return false, permDenied("/access/groups/" + g + ", " + joined)
			}
		}
	}
	if checkExisting {
		for group := range allowed {
			if a.cfg.Groups[group].Users[userid] {
				return true, nil
			}
		}
		if noerr {
			return false, nil
		}
		return false, errPermDenied
	}
	return true, nil
}

// checkPermModify is check_perm_modify: Permissions.Modify on the path, or
// the allocate privilege of the path's kind.
func (a *accessState) checkPermModify(authid, path string) *apiError {
	privs := []string{"Permissions.Modify"}
	switch {
	case strings.HasPrefix(path, "/storage/"):
		privs = append(privs, "Datastore.Allocate")
	case strings.HasPrefix(path, "/vms/"):
		privs = append(privs, "VM.Allocate")
	case strings.HasPrefix(path, "/pool/"):
		privs = append(privs, "Pool.Allocate")
	}
	return a.checkAny(authid, path, privs...)
}
