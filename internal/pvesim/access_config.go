package pvesim

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The paths of access control in the cluster file system (/etc/pve), as PVE
// registers them with pmxcfs.
const (
	userCfgPath   = "/user.cfg"
	tokenCfgPath  = "/priv/token.cfg"
	shadowCfgPath = "/priv/shadow.cfg"
	domainsPath   = "/domains.cfg"
)

// Name rules of PVE::Auth::Plugin and AccessControl.pm.
var (
	userIDRe  = regexp.MustCompile(`^([^\s:/]+)@([A-Za-z][A-Za-z0-9\.\-_]+)$`)
	tokenIDRe = regexp.MustCompile(`^(([^\s:/]+)@([A-Za-z][A-Za-z0-9\.\-_]+))!([A-Za-z][A-Za-z0-9\.\-_]+)$`)
	groupRe   = regexp.MustCompile(`^[A-Za-z0-9\.\-_]+$`)
	roleRe    = regexp.MustCompile(`^[A-Za-z0-9\.\-_]+$`)
)

// userEntry is one user: line of user.cfg with its tokens and groups.
type userEntry struct {
	Enable    bool
	Expire    int64
	Firstname string
	Lastname  string
	Email     string
	Comment   string
	Keys      string
	Groups    map[string]bool
	Tokens    map[string]*tokenEntry
}

// tokenEntry is one token: line; its secret lives in priv/token.cfg.
type tokenEntry struct {
	Expire  int64
	Privsep bool
	Comment string
}

type groupEntry struct {
	Users   map[string]bool
	Comment string
}

type poolEntry struct {
	Comment string
	VMs     map[int]bool
	Storage map[string]bool
}

// aclNode is one path element of the ACL tree; each member maps role names
// to their propagate flag, as $cfg->{acl_root} does.
type aclNode struct {
	Users    map[string]map[string]bool
	Groups   map[string]map[string]bool
	Tokens   map[string]map[string]bool
	Children map[string]*aclNode
}

// userConfig is a parsed /etc/pve/user.cfg.
type userConfig struct {
	Users  map[string]*userEntry
	Groups map[string]*groupEntry
	Roles  map[string]map[string]bool // custom and built-in roles
	Pools  map[string]*poolEntry
	VMPool map[int]string
	ACL    *aclNode
	roles  *roleSet
}

func newACLNode() *aclNode {
	return &aclNode{Users: map[string]map[string]bool{}, Groups: map[string]map[string]bool{}, Tokens: map[string]map[string]bool{},
		Children: map[string]*aclNode{}}
}

// forceDefaults is userconfig_force_defaults: the built-in roles, root@pam
// and the ACL root always exist.
func (c *userConfig) forceDefaults() {
	for name, privs := range c.roles.special {
		c.Roles[name] = privs
	}
	if c.Users["root@pam"] == nil {
		c.Users["root@pam"] = &userEntry{Enable: true, Groups: map[string]bool{}, Tokens: map[string]*tokenEntry{}}
	}
}

// splitList is PVE::Tools::split_list: commas, semicolons and blanks separate.
func splitList(s string) []string {
	if strings.Contains(s, "\x00") {
		// A repeated form key arrives NUL-joined; split_list then splits on NUL only.
		return strings.Split(s, "\x00")
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == 0 })
}

// encodeText is PVE::Tools::encode_text: control and high characters, ':'
// and '%' are percent-encoded so that fields never contain the separator.
func encodeText(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 0x20 && c <= 0x7e && c != ':' && c != '%' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func decodeText(s string) string {
	if out, err := url.PathUnescape(s); err == nil {
		return out
	}
	return s
}

// normalizeACLPath is AccessControl::normalize_path; "" when invalid.
func normalizeACLPath(p string) string {
	if p == "" {
		return ""
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !aclPathCharsRe.MatchString(p) {
		return ""
	}
	return p
}

var aclPathCharsRe = regexp.MustCompile(`^[[:alnum:]\.\-\_\/]+$`)

// aclPathRe is AccessControl::check_path, the paths an ACL may name.
var aclPathRe = regexp.MustCompile(`^(/` +
	`|/access|/access/groups|/access/groups/[[:alnum:]\.\-\_]+|/access/realm|/access/realm/[[:alnum:]\.\-\_]+` +
	`|/nodes|/nodes/[[:alnum:]\.\-\_]+` +
	`|/pool|/pool/[A-Za-z0-9\.\-_]+(?:/[A-Za-z0-9\.\-_]+){0,2}` +
	`|/sdn|/sdn/controllers|/sdn/controllers/[[:alnum:]\_\-]+|/sdn/dns|/sdn/dns/[[:alnum:]]+|/sdn/ipams|/sdn/ipams/[[:alnum:]]+` +
	`|/sdn/zones|/sdn/zones/[[:alnum:]\.\-\_]+|/sdn/zones/[[:alnum:]\.\-\_]+/[[:alnum:]\.\-\_]+` +
	`|/sdn/zones/[[:alnum:]\.\-\_]+/[[:alnum:]\.\-\_]+/[1-9][0-9]{0,3}` +
	`|/storage|/storage/[[:alnum:]\.\-\_]+` +
	`|/vms|/vms/[1-9][0-9]{2,}` +
	`|/mapping|/mapping/[[:alnum:]\.\-\_]+|/mapping/[[:alnum:]\.\-\_]+/[[:alnum:]\.\-\_]+)$`)

// aclNodeAt is find_acl_tree_node: the node of a path, made when missing.
func (c *userConfig) aclNodeAt(path string) *aclNode {
	n := c.ACL
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		child := n.Children[part]
		if child == nil {
			child = newACLNode()
			n.Children[part] = child
		}
		n = child
	}
	return n
}

// parseUserConfig is parse_user_config: invalid lines are skipped, as PVE
// warns and skips them.
func parseUserConfig(raw string, roles *roleSet) *userConfig {
	c := &userConfig{Users: map[string]*userEntry{}, Groups: map[string]*groupEntry{}, Roles: map[string]map[string]bool{},
		Pools: map[string]*poolEntry{}, VMPool: map[int]string{}, ACL: newACLNode(), roles: roles}
	c.forceDefaults()
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		data := strings.Split(line, ":")
		for i := range data {
			data[i] = strings.TrimSpace(data[i])
		}
		field := func(i int) string {
			if i < len(data) {
				return data[i]
			}
			return ""
		}
		switch data[0] {
		case "user":
			id := field(1)
			if !userIDRe.MatchString(id) {
				continue
			}
			expire, err := strconv.ParseInt(orZero(field(3)), 10, 64)
			if err != nil || expire < 0 {
				continue
			}
			c.Users[id] = &userEntry{Enable: field(2) != "" && field(2) != "0", Expire: expire,
				Firstname: decodeText(field(4)), Lastname: decodeText(field(5)), Email: field(6),
				Comment: decodeText(field(7)), Keys: field(8), Groups: map[string]bool{}, Tokens: map[string]*tokenEntry{}}
		case "group":
			name := field(1)
			if !groupRe.MatchString(name) {
				continue
			}
			g := c.Groups[name]
			if g == nil {
				g = &groupEntry{Users: map[string]bool{}}
				c.Groups[name] = g
			}
			g.Comment = decodeText(field(3))
			for _, u := range splitList(field(2)) {
				if !userIDRe.MatchString(u) {
					continue
				}
				if ue := c.Users[u]; ue != nil {
					ue.Groups[name] = true
				}
				g.Users[u] = true
			}
		case "role":
			name := field(1)
			if !roleRe.MatchString(name) {
				continue
			}
			if c.Roles[name] == nil || c.roles.special[name] != nil {
				c.Roles[name] = map[string]bool{}
			}
			for _, p := range splitList(field(2)) {
				if roles.valid[p] {
					c.Roles[name][p] = true
				}
			}
		case "acl":
			c.parseACLLine(field(1) != "" && field(1) != "0", field(2), field(3), field(4))
		case "pool":
			name := field(1)
			p := c.Pools[name]
			if p == nil {
				p = &poolEntry{VMs: map[int]bool{}, Storage: map[string]bool{}}
				c.Pools[name] = p
			}
			p.Comment = decodeText(field(2))
			for _, v := range splitList(field(3)) {
				id, err := strconv.Atoi(v)
				if err != nil || c.VMPool[id] != "" {
					continue
				}
				p.VMs[id] = true
				c.VMPool[id] = name
			}
			for _, st := range splitList(field(4)) {
				p.Storage[st] = true
			}
		case "token":
			m := tokenIDRe.FindStringSubmatch(field(1))
			if m == nil {
				continue
			}
			expire, err := strconv.ParseInt(orZero(field(2)), 10, 64)
			if err != nil || expire < 0 {
				continue
			}
			if ue := c.Users[m[1]]; ue != nil {
				ue.Tokens[m[4]] = &tokenEntry{Expire: expire, Privsep: field(3) != "" && field(3) != "0", Comment: decodeText(field(4))}
			}
		}
	}
	c.forceDefaults()
	// Tokens named in ACLs must exist, as parse_user_config checks; ACL lines
	// come after users and tokens in the file, so check them afterwards.
	c.dropUnknownTokenACLs(c.ACL)
	return c
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func (c *userConfig) parseACLLine(propagate bool, pathText, members, roleList string) {
	path := normalizeACLPath(pathText)
	if path == "" {
		return
	}
	for _, role := range splitList(roleList) {
		if !roleRe.MatchString(role) || c.Roles[role] == nil {
			continue
		}
		for _, m := range splitList(members) {
			switch {
			case strings.HasPrefix(m, "@") && groupRe.MatchString(m[1:]):
				setRole(c.aclNodeAt(path).Groups, m[1:], role, propagate)
			case userIDRe.MatchString(m):
				setRole(c.aclNodeAt(path).Users, m, role, propagate)
			case tokenIDRe.MatchString(m):
				setRole(c.aclNodeAt(path).Tokens, m, role, propagate)
			}
		}
	}
}

func (c *userConfig) dropUnknownTokenACLs(n *aclNode) {
	for id := range n.Tokens {
		if c.token(id) == nil {
			delete(n.Tokens, id)
		}
	}
	for _, child := range n.Children {
		c.dropUnknownTokenACLs(child)
	}
}

func setRole(members map[string]map[string]bool, who, role string, propagate bool) {
	if members[who] == nil {
		members[who] = map[string]bool{}
	}
	members[who][role] = propagate
}

// token finds a token by its full id.
func (c *userConfig) token(fullID string) *tokenEntry {
	m := tokenIDRe.FindStringSubmatch(fullID)
	if m == nil {
		return nil
	}
	if u := c.Users[m[1]]; u != nil {
		return u.Tokens[m[4]]
	}
	return nil
}

// String is write_user_config: users with their tokens, groups, pools,
// custom roles and ACLs, each block sorted and followed by a blank line.
func (c *userConfig) String() string {
	var b strings.Builder
	for _, id := range sortedKeys(c.Users) {
		u := c.Users[id]
		fmt.Fprintf(&b, "user:%s:%d:%d:%s:%s:%s:%s:%s:\n", id, boolInt(u.Enable), u.Expire,
			encodeText(u.Firstname), encodeText(u.Lastname), u.Email, encodeText(u.Comment), u.Keys)
		for _, tid := range sortedKeys(u.Tokens) {
			t := u.Tokens[tid]
			fmt.Fprintf(&b, "token:%s!%s:%d:%d:%s:\n", id, tid, t.Expire, boolInt(t.Privsep), encodeText(t.Comment))
		}
	}
	b.WriteString("\n")
	for _, name := range sortedKeys(c.Groups) {
		g := c.Groups[name]
		fmt.Fprintf(&b, "group:%s:%s:%s:\n", name, strings.Join(sortedKeys(g.Users), ","), encodeText(g.Comment))
	}
	b.WriteString("\n")
	for _, name := range sortedKeys(c.Pools) {
		p := c.Pools[name]
		vms := make([]string, 0, len(p.VMs))
		for id := range p.VMs {
			vms = append(vms, strconv.Itoa(id))
		}
		sort.Strings(vms)
		fmt.Fprintf(&b, "pool:%s:%s:%s:%s:\n", name, encodeText(p.Comment), strings.Join(vms, ","), strings.Join(sortedKeys(p.Storage), ","))
	}
	b.WriteString("\n")
	for _, name := range sortedKeys(c.Roles) {
		if c.roles.special[name] != nil {
			continue
		}
		fmt.Fprintf(&b, "role:%s:%s:\n", name, strings.Join(sortedPrivs(c.Roles[name]), ","))
	}
	b.WriteString("\n")
	c.walkACL("/", c.ACL, func(path string, n *aclNode) {
		// Members with the same role list and propagate flag share a line;
		// root@pam is always Administrator and is never written.
		lines := map[bool]map[string][]string{false: {}, true: {}}
		collect := func(members map[string]map[string]bool, prefix, exclude string) {
			for who, roles := range members {
				if who == exclude {
					continue
				}
				var l0, l1 []string
				for _, role := range sortedKeys(roles) {
					if roles[role] {
						l1 = append(l1, role)
					} else {
						l0 = append(l0, role)
					}
				}
				if len(l0) > 0 {
					k := strings.Join(l0, ",")
					lines[false][k] = append(lines[false][k], prefix+who)
				}
				if len(l1) > 0 {
					k := strings.Join(l1, ",")
					lines[true][k] = append(lines[true][k], prefix+who)
				}
			}
		}
		collect(n.Groups, "@", "")
		collect(n.Users, "", "root@pam")
		collect(n.Tokens, "", "")
		for _, prop := range []bool{false, true} {
			for _, roleList := range sortedKeys(lines[prop]) {
				who := lines[prop][roleList]
				sort.Strings(who)
				fmt.Fprintf(&b, "acl:%d:%s:%s:%s:\n", boolInt(prop), path, strings.Join(who, ","), roleList)
			}
		}
	})
	return b.String()
}

// walkACL is iterate_acl_tree: a path, then its children in sorted order.
func (c *userConfig) walkACL(path string, n *aclNode, visit func(string, *aclNode)) {
	visit(path, n)
	for _, name := range sortedKeys(n.Children) {
		child := path + "/" + name
		if path == "/" {
			child = "/" + name
		}
		c.walkACL(child, n.Children[name], visit)
	}
}

// aclEntries lists the ACL as GET /access/acl does: one entry per path,
// member and role.
type aclEntry struct {
	Path      string `json:"path"`
	Type      string `json:"type"`
	UGID      string `json:"ugid"`
	RoleID    string `json:"roleid"`
	Propagate int    `json:"propagate"`
}

func (c *userConfig) aclEntries() []aclEntry {
	var out []aclEntry
	c.walkACL("/", c.ACL, func(path string, n *aclNode) {
		for _, kind := range []struct {
			typ     string
			members map[string]map[string]bool
		}{{"group", n.Groups}, {"user", n.Users}, {"token", n.Tokens}} {
			for _, who := range sortedKeys(kind.members) {
				for _, role := range sortedKeys(kind.members[who]) {
					out = append(out, aclEntry{Path: path, Type: kind.typ, UGID: who, RoleID: role, Propagate: boolInt(kind.members[who][role])})
				}
			}
		}
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseTokenSecrets reads priv/token.cfg: "<full token id> <secret>" lines.
func parseTokenSecrets(raw string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(raw, "\n") {
		id, secret, ok := strings.Cut(line, " ")
		if !ok || !tokenIDRe.MatchString(id) || secret == "" || strings.ContainsAny(secret, " \t") {
			continue
		}
		out[id] = secret
	}
	return out
}

func formatTokenSecrets(secrets map[string]string) string {
	var b strings.Builder
	for _, id := range sortedKeys(secrets) {
		fmt.Fprintf(&b, "%s %s\n", id, secrets[id])
	}
	return b.String()
}

// parseShadow reads priv/shadow.cfg, the pve realm's "userid:crypt:" lines
// (the user part without the realm, as PVE::Auth::PVE stores it).
func parseShadow(raw string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		parts := strings.Split(line, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] != "" {
			continue
		}
		out[parts[0]] = parts[1]
	}
	return out
}

func formatShadow(entries map[string]string) string {
	var b strings.Builder
	for _, id := range sortedKeys(entries) {
		fmt.Fprintf(&b, "%s:%s:\n", id, entries[id])
	}
	return b.String()
}
