package deploy

import (
	"fmt"
	"strings"
)

// MissingPrivilegesError says which privileges the identity lacks, per ACL
// path, and the pveum commands that grant them.
type MissingPrivilegesError struct {
	AuthID  string // user@realm or user@realm!token
	Token   bool
	Missing []PrivilegeNeed
}

func (e *MissingPrivilegesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s lacks privileges the planned objects need (PVE's effective privileges, GET /access/permissions):\n", e.who())
	for _, n := range e.Missing {
		where := n.Path
		if n.Below {
			where += " (propagated to the objects below it)"
		}
		fmt.Fprintf(&b, "  %s: %s\n", where, strings.Join(n.Privs, ", "))
	}
	b.WriteString("Grant them as root on a node:\n")
	for _, n := range e.Missing {
		role := RoleFor(n.Path)
		fmt.Fprintf(&b, "  pveum role add %s --privs %q   (or, if the role exists: pveum role modify %s --append 1 --privs %q)\n",
			role, strings.Join(n.Privs, ","), role, strings.Join(n.Privs, ","))
		for _, grantee := range GranteeFlags(e.AuthID, e.Token) {
			fmt.Fprintf(&b, "  pveum aclmod %s %s -role %s\n", n.Path, grantee, role)
		}
	}
	if e.Token {
		b.WriteString("A token created with --privsep 0 has its user's privileges, so the -user grant is enough; a token with privilege " +
			"separation gets only what both it and its user hold, so it needs both grants.")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *MissingPrivilegesError) who() string {
	if e.Token {
		return "The API token " + e.AuthID
	}
	if e.AuthID == "" {
		return "The Proxmox VE identity"
	}
	return "The user " + e.AuthID
}

// RoleFor names the role the README and the advice grant on path: one role
// per kind of path, holding only what the provider needs there.
func RoleFor(path string) string {
	switch {
	case path == PathVMs || strings.HasPrefix(path, PathVMs+"/"):
		return "ProximityVMs"
	case path == PathStorage || strings.HasPrefix(path, PathStorage+"/"):
		return "ProximityStorage"
	case strings.HasPrefix(path, "/sdn/"):
		return "ProximityNetwork"
	}
	return "ProximityAudit"
}

// GranteeFlags are pveum aclmod's flags naming who gets a grant: the user,
// and for a token the token too (quoted for the shell: it holds a '!').
func GranteeFlags(authID string, token bool) []string {
	user, _, _ := strings.Cut(authID, "!")
	if user == "" {
		user = "<user@realm>"
	}
	out := []string{"-user " + user}
	if token {
		out = append(out, "-token '"+authID+"'")
	}
	return out
}
