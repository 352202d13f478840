package pvesim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// pveum runs a pveum command line on pve1 as root over the node shell and
// returns stdout; a non-zero exit fails the test.
func pveum(t *testing.T, sim *Simulator, args string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code, err := sim.RunOnNode(ctx(t), "pve1", "pveum "+args, strings.NewReader(""), &out, &errOut)
	if err != nil || code != 0 {
		t.Fatalf("pveum %s: exit %d: %v %s", args, code, err, errOut.String())
	}
	return out.String()
}

// tokenFor makes user@pve with role on / and a token without privilege
// separation, the way the README does, and returns "id=secret".
func tokenFor(t *testing.T, sim *Simulator, user, role string) string {
	t.Helper()
	pveum(t, sim, "user add "+user)
	pveum(t, sim, "aclmod / -user "+user+" -role "+role)
	return newToken(t, sim, user, "tk", "--privsep 0")
}

func newToken(t *testing.T, sim *Simulator, user, name, opts string) string {
	t.Helper()
	var created struct {
		ID    string `json:"full-tokenid"`
		Value string `json:"value"`
	}
	if err := json.Unmarshal([]byte(pveum(t, sim, "user token add "+user+" "+name+" "+opts+" --output-format json")), &created); err != nil {
		t.Fatal(err)
	}
	return created.ID + "=" + created.Value
}

// callAs makes an API call with a given token.
func callAs(t *testing.T, sim *Simulator, token, method, path string, form url.Values) apiResponse {
	t.Helper()
	return callWith(t, sim, method, path, form, func(r *http.Request) { r.Header.Set("Authorization", "PVEAPIToken="+token) })
}

func TestBuiltinRolesAsCreateRolesMakesThem(t *testing.T) {
	// PVEAdmin: everything of the admin, user and audit groups, but none of
	// the root-only privileges, Permissions.Modify or Mapping.Modify.
	admin := roles84.special["PVEAdmin"]
	for _, p := range []string{"Sys.Modify", "Sys.PowerMgmt", "Sys.Incoming", "Sys.AccessNetwork", "Realm.Allocate", "Permissions.Modify",
		"Mapping.Modify"} {
		if admin[p] {
			t.Errorf("PVEAdmin holds %s", p)
		}
	}
	for _, p := range []string{"VM.Allocate", "VM.Config.Options", "VM.PowerMgmt", "VM.Backup", "VM.Audit", "Datastore.AllocateSpace",
		"Datastore.AllocateTemplate", "Datastore.Audit", "Sys.Audit", "SDN.Use", "User.Modify", "Pool.Allocate"} {
		if !admin[p] {
			t.Errorf("PVEAdmin lacks %s", p)
		}
	}
	if got := strings.Join(sortedPrivs(roles84.special["PVEVMUser"]),
		","); got != "VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,VM.Console,VM.PowerMgmt" {
		t.Errorf("PVEVMUser = %s", got)
	}
	if got := strings.Join(sortedPrivs(roles84.special["PVEAuditor"]),
		","); got != "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit" {
		t.Errorf("PVEAuditor = %s", got)
	}
	if len(roles84.special["NoAccess"]) != 0 || len(roles84.special["Administrator"]) != len(roles84.valid) {
		t.Error("NoAccess must be empty and Administrator hold every privilege")
	}
	names := sortedKeys(roles84.special)
	want := "Administrator,NoAccess,PVEAdmin,PVEAuditor,PVEDatastoreAdmin,PVEDatastoreUser,PVEMappingAdmin,PVEMappingUser," +
		"PVEPoolAdmin,PVEPoolUser,PVESDNAdmin,PVESDNUser,PVESysAdmin,PVETemplateUser,PVEUserAdmin,PVEVMAdmin,PVEVMUser"
	if strings.Join(names, ",") != want {
		t.Errorf("built-in roles: %v", names)
	}
	// 9.1 drops VM.Monitor and adds the guest agent and replication privileges.
	if roles91.valid["VM.Monitor"] || !roles84.valid["VM.Monitor"] {
		t.Error("VM.Monitor is an 8.4 privilege only")
	}
	for _, p := range []string{"VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.Replicate"} {
		if !roles91.special["PVEVMAdmin"][p] || roles84.valid[p] {
			t.Errorf("%s belongs to 9.1's PVEVMAdmin only", p)
		}
	}
}

func TestUserConfigIsWrittenInPVEsFormat(t *testing.T) {
	raw := "user:bob@pve:1:0:Bob:B:bob@example.com:ops%3A team:\n" +
		"user:ann@pve:0:1700000000::::::\ntoken:ann@pve!ci:0:1:ci%3Abuild:\n" +
		"group:ops:bob@pve,ann@pve::\n" +
		"role:Deployer:VM.Audit,VM.Allocate,Bogus.Priv:\n" +
		"acl:1:/vms//:@ops:Deployer:\nacl:0:/storage/local:bob@pve,ann@pve!ci:PVEDatastoreUser:\n" +
		"acl:1:/:root@pam:Administrator:\nacl:1:/nodes:ghost@pve!x:PVEAuditor:\n"
	c := parseUserConfig(raw, roles84)
	want := "user:ann@pve:0:1700000000::::::\ntoken:ann@pve!ci:0:1:ci%3Abuild:\n" +
		"user:bob@pve:1:0:Bob:B:bob@example.com:ops%3A team::\n" +
		"user:root@pam:1:0::::::\n\n" +
		"group:ops:ann@pve,bob@pve::\n\n\n" +
		"role:Deployer:VM.Allocate,VM.Audit:\n\n" +
		"acl:0:/storage/local:ann@pve!ci,bob@pve:PVEDatastoreUser:\n" +
		"acl:1:/vms:@ops:Deployer:\n"
	if got := c.String(); got != want {
		t.Errorf("written user.cfg:\n%s\nwant:\n%s", got, want)
	}
	if c.Users["bob@pve"].Comment != "ops: team" || !c.Users["ann@pve"].Tokens["ci"].Privsep {
		t.Errorf("decoded fields wrong: %+v", c.Users["bob@pve"])
	}
	if again := parseUserConfig(want, roles84).String(); again != want {
		t.Errorf("not stable on a second round:\n%s", again)
	}
}

// TestRoleResolution pins AccessControl::roles and compile_acl_path on a
// configuration of our own: the deepest level that gives roles wins, a
// user's entry beats its groups' at a level, non-propagating entries count
// at their own path only, NoAccess clears everything, pools lend roles to
// their members, and a privsep token holds the intersection with its user.
func TestRoleResolution(t *testing.T) {
	cfg := "user:dev@pve:1:0::::::\ntoken:dev@pve!sep:0:1::\ntoken:dev@pve!full:0:0::\n" +
		"user:ops@pve:1:0::::::\n\n" +
		"group:devs:dev@pve,ops@pve::\n\n" +
		"pool:team::900,901:nfs:\n\n" +
		"role:Viewer:VM.Audit:\nrole:Starter:VM.Audit,VM.PowerMgmt:\n\n" +
		"acl:1:/:@devs:PVEAuditor:\n" +
		"acl:1:/vms:dev@pve:Starter:\n" +
		"acl:0:/vms/100:@devs:PVEVMAdmin:\n" +
		"acl:1:/vms/200:dev@pve:NoAccess:\n" +
		"acl:1:/pool/team:ops@pve:PVEVMUser:\n" +
		"acl:1:/vms/100:dev@pve!sep:Administrator:\n" +
		"acl:1:/vms/300:dev@pve!sep:Viewer:\n"
	a := &accessState{cfg: parseUserConfig(cfg, roles84), privs: map[string]privSet{}, poolRoles: map[string]map[string]map[string]bool{}}
	cases := []struct{ who, path, roles, privs string }{
		{"dev@pve", "/", "PVEAuditor", "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit"},
		{"dev@pve", "/vms", "Starter", "VM.Audit,VM.PowerMgmt"},
		// The user's Starter on /vms propagates to /vms/100; there the
		// group's own entry counts only because the user has none there.
		{"dev@pve", "/vms/100", "PVEVMAdmin", strings.Join(sortedPrivs(roles84.special["PVEVMAdmin"]), ",")},
		{"dev@pve", "/vms/100/x", "Starter", "VM.Audit,VM.PowerMgmt"},
		{"ops@pve", "/vms/101", "PVEAuditor", "Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit"},
		{"dev@pve", "/vms/200", "NoAccess", ""},
		{"ops@pve", "/vms/900", "PVEAuditor",
			"Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,VM.Console,VM.PowerMgmt"},
		{"dev@pve!full", "/vms", "Starter", "VM.Audit,VM.PowerMgmt"},
		// privsep: the token's own Administrator on /vms/100, cut down to
		// what dev@pve holds there.
		{"dev@pve!sep", "/vms/100", "Administrator", strings.Join(sortedPrivs(roles84.special["PVEVMAdmin"]), ",")},
		{"dev@pve!sep", "/vms/300", "Viewer", "VM.Audit"},
		{"dev@pve!sep", "/vms", "", ""},
		{"dev@pve!gone", "/vms", "", ""},
		{"root@pam", "/anything", "Administrator", strings.Join(sortedPrivs(roles84.special["Administrator"]), ",")},
	}
	for _, c := range cases {
		var roles []string
		for r := range a.cfg.roleNames(c.who, c.path) {
			roles = append(roles, r)
		}
		sort.Strings(roles)
		var privs []string
		for p := range a.permissions(c.who, c.path) {
			privs = append(privs, p)
		}
		sort.Strings(privs)
		if strings.Join(roles, ",") != c.roles {
			t.Errorf("roles(%s, %s) = %v, want %s", c.who, c.path, roles, c.roles)
		}
		if strings.Join(privs, ",") != c.privs {
			t.Errorf("permissions(%s, %s) = %v, want %s", c.who, c.path, privs, c.privs)
		}
	}
}
