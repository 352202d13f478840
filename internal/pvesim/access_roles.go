package pvesim

import "sort"

// privGroup is one category of privileges as PVE's AccessControl.pm sorts
// them: root (only Administrator), admin, user and audit. The built-in roles
// are derived from these groups exactly as create_roles does, so a privilege
// added here lands in the same roles as on a real PVE.
type privGroup struct {
	root, admin, user, audit []string
}

// privGroups84 is $privgroups of pve-access-control stable-bookworm
// (src/PVE/AccessControl.pm, lines 1056-1160), the PVE 8.4 list.
var privGroups84 = map[string]privGroup{
	"VM": {
		admin: []string{"VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network", "VM.Config.HWType",
			"VM.Config.Options", "VM.Allocate", "VM.Clone", "VM.Migrate", "VM.Monitor", "VM.Snapshot", "VM.Snapshot.Rollback"},
		user:  []string{"VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup", "VM.PowerMgmt"},
		audit: []string{"VM.Audit"},
	},
	"Sys": {
		root:  []string{"Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork"},
		admin: []string{"Sys.Console", "Sys.Syslog"},
		audit: []string{"Sys.Audit"},
	},
	"Datastore": {
		admin: []string{"Datastore.Allocate", "Datastore.AllocateTemplate"},
		user:  []string{"Datastore.AllocateSpace"},
		audit: []string{"Datastore.Audit"},
	},
	"SDN": {
		admin: []string{"SDN.Allocate", "SDN.Audit"},
		user:  []string{"SDN.Use"},
		audit: []string{"SDN.Audit"},
	},
	"User": {
		root:  []string{"Realm.Allocate"},
		admin: []string{"User.Modify", "Group.Allocate", "Realm.AllocateUser"},
	},
	"Pool": {
		admin: []string{"Pool.Allocate"},
		user:  []string{"Pool.Audit"},
		audit: []string{"Pool.Audit"},
	},
	"Mapping": {
		admin: []string{"Mapping.Modify"},
		user:  []string{"Mapping.Use"},
		audit: []string{"Mapping.Audit"},
	},
}

// privGroups91 is the master branch (PVE 9.x): VM.Monitor is gone, the guest
// agent and replication privileges are new.
var privGroups91 = func() map[string]privGroup {
	g := map[string]privGroup{}
	for k, v := range privGroups84 {
		g[k] = v
	}
	g["VM"] = privGroup{
		admin: []string{"VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network", "VM.Config.HWType",
			"VM.Config.Options", "VM.Allocate", "VM.Clone", "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.Replicate",
			"VM.Snapshot", "VM.Snapshot.Rollback"},
		user: []string{"VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup", "VM.GuestAgent.FileRead",
			"VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite", "VM.PowerMgmt"},
		audit: []string{"VM.Audit", "VM.GuestAgent.Audit"},
	}
	return g
}()

// roleSet is the privileges and built-in roles of one PVE release.
type roleSet struct {
	valid   map[string]bool            // every privilege name PVE accepts
	special map[string]map[string]bool // built-in roles, not written to user.cfg
}

var (
	roles84 = buildRoleSet(privGroups84)
	roles91 = buildRoleSet(privGroups91)
)

// rolesFor picks the release's role set; the simulator answers as 8.4 unless
// told otherwise.
func rolesFor(release string) *roleSet {
	if release == "9.1" {
		return roles91
	}
	return roles84
}

// buildRoleSet is create_roles: PVE<Cat>Admin gets admin, user and audit
// privileges; PVE<Cat>User user and audit (when the category has user
// privileges); PVEAuditor every audit privilege; PVEAdmin all of admin, user
// and audit but Mapping.Modify; Administrator everything, root privileges and
// Permissions.Modify included.
func buildRoleSet(groups map[string]privGroup) *roleSet {
	rs := &roleSet{valid: map[string]bool{"Permissions.Modify": true}, special: map[string]map[string]bool{}}
	add := func(role string, privs ...string) {
		if rs.special[role] == nil {
			rs.special[role] = map[string]bool{}
		}
		for _, p := range privs {
			rs.special[role][p] = true
		}
	}
	add("NoAccess")
	for cat, g := range groups {
		for _, list := range [][]string{g.root, g.admin, g.user, g.audit} {
			for _, p := range list {
				rs.valid[p] = true
			}
		}
		add("PVE"+cat+"Admin", append(append(append([]string{}, g.admin...), g.user...), g.audit...)...)
		add("PVEAdmin", append(append(append([]string{}, g.admin...), g.user...), g.audit...)...)
		if len(g.user) > 0 {
			add("PVE"+cat+"User", append(append([]string{}, g.user...), g.audit...)...)
		}
		add("PVEAuditor", g.audit...)
	}
	delete(rs.special["PVEAdmin"], "Mapping.Modify")
	add("PVETemplateUser", "VM.Clone", "VM.Audit")
	for p := range rs.valid {
		add("Administrator", p)
	}
	return rs
}

// sortedPrivs lists a role's privileges in PVE's order (sorted names).
func sortedPrivs(privs map[string]bool) []string {
	out := make([]string, 0, len(privs))
	for p := range privs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
