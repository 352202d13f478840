package pvesim

import (
	"bytes"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestPveumErrorsAsPVEPrintsThem: exit status 255 and PVE's messages for
// unknown users, roles and groups, malformed ids, options and commands.
func TestPveumErrorsAsPVEPrintsThem(t *testing.T) {
	sim := startSim(t, Options{})
	pveum(t, sim, "user add exists@pve")
	cases := []struct{ cmd, stderr string }{
		{"user add exists@pve", "create user failed: user 'exists@pve' already exists\n"},
		{"user add nobody",
			"400 Parameter verification failed.\nuserid: invalid format - value 'nobody' does not look like a valid user name\n\n" +
				"pveum user add <userid> [OPTIONS]\n"},
		{"user add ab", "userid: invalid format - user name 'ab' is too short\n"},
		{"user add new@pve --groups ghosts", "create user failed: no such group 'ghosts'\n"},
		{"user modify ghost@pve --comment x", "update user failed: no such user ('ghost@pve')\n"},
		{"aclmod / -user exists@pve -role NoSuchRole", "ACL update failed: role 'NoSuchRole' does not exist\n"},
		{"aclmod / -user ghost@pve -role PVEAuditor", "ACL update failed: user 'ghost@pve' does not exist\n"},
		{"aclmod / -group ghosts -role PVEAuditor", "ACL update failed: group 'ghosts' does not exist\n"},
		{"aclmod /bogus/path -user exists@pve -role PVEAuditor", "path: invalid ACL path '/bogus/path'\n"},
		{"aclmod / -role PVEAuditor", "groups: either 'users', 'groups' or 'tokens' is required.\n"},
		{"user token add exists@pve x", "tokenid: value does not match the regex pattern\n"},
		{"user token remove exists@pve nope", "no such token 'nope' for user 'exists@pve'\n"},
		{"user token add ghost@pve tk", "no such user ('ghost@pve')\n"},
		{"role add Custom --privs VM.Audit,Bogus.Thing", "privs: invalid format - invalid privilege 'Bogus.Thing'\n"},
		{"role delete PVEAdmin", "auto-generated role 'PVEAdmin' cannot be deleted\n"},
		{"group delete ghosts", "delete group failed: group 'ghosts' does not exist\n"},
		{"useradd x@pve --bogus 1", "Unknown option: bogus\n400 unable to parse option\n"},
		{"acl modify / -p 1 -role PVEAuditor -user exists@pve", "Option p is ambiguous (path, propagate)\n"},
		{"user token add exists@pve tk --privsep maybe", "400 unable to parse boolean option\n"},
		{"user frobnicate", "ERROR: unknown command 'pveum user frobnicate'\n"},
		{"user add", "400 not enough arguments\npveum user add <userid> [OPTIONS]\n"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code, _ := sim.RunOnNode(ctx(t), "pve2", "pveum "+c.cmd, strings.NewReader(""), &out, &errOut)
		if code != 255 || !strings.Contains(errOut.String(), c.stderr) {
			t.Errorf("pveum %s: exit %d, stderr:\n%s\nwant it to contain:\n%s", c.cmd, code, errOut.String(), c.stderr)
		}
	}
	// Nothing above wrote a thing: exists@pve and the README's user only.
	cfg, _ := sim.cfs.ReadFile(userCfgPath)
	if strings.Count(string(cfg), "user:") != 3 || strings.Contains(string(cfg), "role:") {
		t.Errorf("failed commands changed user.cfg:\n%s", cfg)
	}
}

func TestPveumBothSpellingsAndListings(t *testing.T) {
	sim := startSim(t, Options{})
	pveum(t, sim, "group add ops --comment 'night shift'")
	pveum(t, sim, "user add kim@pve --groups ops --firstname Kim")
	pveum(t, sim, "role add Starter --privs 'VM.Audit VM.PowerMgmt'")
	pveum(t, sim, "acl modify /vms --groups ops --roles Starter --propagate 0")
	pveum(t, sim, "aclmod /storage/local -user kim@pve -role PVEDatastoreUser,PVEAuditor")
	pveum(t, sim, "acldel /storage/local -user kim@pve -role PVEAuditor")
	want := "acl:1:/storage/local:kim@pve:PVEDatastoreUser:\nacl:0:/vms:@ops:Starter:\n"
	cfg, _ := sim.cfs.ReadFile(userCfgPath)
	if !strings.Contains(string(cfg), "group:ops:kim@pve:night shift:\n") || !strings.Contains(string(cfg), "role:Starter:VM.Audit,VM.PowerMgmt:\n") ||
		!strings.HasSuffix(string(cfg), "acl:1:/:terraform@pve:PVEAdmin:\n"+want) {
		t.Errorf("user.cfg:\n%s", cfg)
	}
	list := pveum(t, sim, "acl list --output-format json")
	if !strings.Contains(list, `{"path":"/vms","propagate":0,"roleid":"Starter","type":"group","ugid":"ops"}`) {
		t.Errorf("acl list: %s", list)
	}
	table := pveum(t, sim, "group list")
	if !strings.Contains(table, "│ groupid │ comment     │ users   │\n╞═════════╪═════════════╪═════════╡\n│ ops     │ night shift │ kim@pve │") {
		t.Errorf("group list:\n%s", table)
	}
	perms := pveum(t, sim, "user permissions kim@pve --path /vms")
	// The group's Starter does not propagate, so no "(*)".
	wantPerms := "┌──────────┬──────────────┐\n│ ACL path │ Permissions  │\n╞══════════╪══════════════╡\n" +
		"│ /vms     │ VM.Audit     │\n│          │ VM.PowerMgmt │\n└──────────┴──────────────┘\n" +
		"Permissions marked with '(*)' have the 'propagate' flag set.\n"
	if perms != wantPerms {
		t.Errorf("permissions:\n%s\nwant:\n%s", perms, wantPerms)
	}
	pveum(t, sim, "user delete kim@pve")
	if cfg, _ := sim.cfs.ReadFile(userCfgPath); strings.Contains(string(cfg), "kim@pve") {
		t.Errorf("a deleted user stays in user.cfg:\n%s", cfg)
	}
}

// TestAccessSurvivesRestart: user.cfg and the token secrets live in the
// cluster file system, which the -state file keeps.
func TestAccessSurvivesRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	sim := startSim(t, Options{StatePath: state})
	token := tokenFor(t, sim, "keep@pve", "PVEAuditor")
	admin := sim.Info().PVEAdminAPIToken
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	again := startSim(t, Options{StatePath: state})
	for _, tok := range []string{token, admin, again.Info().APIToken} {
		if r := callAs(t, again, tok, http.MethodGet, "/nodes", nil); r.Status != http.StatusOK {
			t.Errorf("token %s after a restart: %d", tok[:10], r.Status)
		}
	}
	if again.Info().PVEAdminAPIToken != admin {
		t.Error("the PVEAdmin token changed across a restart")
	}
}

// TestPveumPasswdReadsTheNewPasswordTwice: passwd prompts on a terminal and
// reads two lines otherwise; the pve realm's hash lands in shadow.cfg.
func TestPveumPasswdReadsTheNewPasswordTwice(t *testing.T) {
	sim := startSim(t, Options{})
	pveum(t, sim, "user add amy@pve")
	var out, errOut bytes.Buffer
	code, _ := sim.RunOnNode(ctx(t), "pve1", "printf 'first one\\nsecond one\\n' | pveum passwd amy@pve", nil, &out, &errOut)
	if code != 255 || errOut.String() != "passwords do not match\n" {
		t.Errorf("mismatch: %d %q", code, errOut.String())
	}
	code, _ = sim.RunOnNode(ctx(t), "pve1", "printf 'amy secret\\namy secret\\n' | pveum passwd amy@pve", nil, &out, &errOut)
	if code != 0 {
		t.Fatalf("passwd: %d %s", code, errOut.String())
	}
	login := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"amy"}, "realm": {"pve"}, "password": {"amy secret"}})
	if login.Status != http.StatusOK {
		t.Errorf("login with the new password: %d %s", login.Status, login.Reason)
	}
}
