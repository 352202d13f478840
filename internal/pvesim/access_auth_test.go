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

// TestReadmeSetupGivesExactlyPVEAdmin runs the README's three commands on a
// node and checks that the token they print holds PVEAdmin's privileges on
// /, no more and no fewer, and works.
func TestReadmeSetupGivesExactlyPVEAdmin(t *testing.T) {
	sim := startSim(t, Options{})
	pveum(t, sim, "user add deploy@pve")
	pveum(t, sim, "aclmod / -user deploy@pve -role PVEAdmin")
	out := pveum(t, sim, "user token add deploy@pve proximity --privsep 0")
	if !strings.Contains(out, "│ full-tokenid │ deploy@pve!proximity") || !strings.Contains(out, `│ info         │ {"privsep":"0"}`) {
		t.Fatalf("token add printed:\n%s", out)
	}
	var secret string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "│ value") {
			secret = strings.TrimSpace(strings.Trim(strings.TrimPrefix(line, "│ value"), "│ "))
		}
	}
	token := "deploy@pve!proximity=" + secret
	r := callAs(t, sim, token, http.MethodGet, "/access/permissions", url.Values{"path": {"/"}})
	if r.Status != http.StatusOK {
		t.Fatalf("permissions: %d %s", r.Status, r.Reason)
	}
	got := []string{}
	for p, propagate := range mustMap(t, mustMap(t, data(r))["/"]) {
		if mustFloat(t, propagate) != 1 {
			t.Errorf("%s does not propagate", p)
		}
		got = append(got, p)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(sortedPrivs(roles84.special["PVEAdmin"]), ",") {
		t.Errorf("privileges on /:\n%v\nwant PVEAdmin's:\n%v", got, sortedPrivs(roles84.special["PVEAdmin"]))
	}
	if r := callAs(t, sim, token, http.MethodGet, "/cluster/resources", url.Values{"type": {"vm"}}); r.Status != http.StatusOK {
		t.Errorf("the token does not work: %d %s", r.Status, r.Reason)
	}
	// The simulator starts with the same user and token already made.
	if !strings.HasPrefix(sim.Info().PVEAdminAPIToken, "terraform@pve!proximity=") {
		t.Errorf("pveadmin_api_token = %q", sim.Info().PVEAdminAPIToken)
	}
}

func TestPrivsepTokenHoldsTheIntersection(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	pveum(t, sim, "user add ci@pve")
	pveum(t, sim, "acl modify /vms --users ci@pve --roles PVEVMUser")
	sep := newToken(t, sim, "ci@pve", "sep", "")
	// Without an ACL of its own a privsep token holds nothing.
	if r := callAs(t, sim, sep, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/vms/100, VM.Audit)" {
		t.Errorf("bare privsep token: %d %s", r.Status, r.Reason)
	}
	// Administrator for the token is cut down to the user's PVEVMUser.
	pveum(t, sim, "acl modify / --tokens ci@pve!sep --roles Administrator")
	if r := callAs(t, sim, sep, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil); r.Status != http.StatusOK {
		t.Errorf("start with VM.PowerMgmt in both: %d %s", r.Status, r.Reason)
	}
	if r := callAs(t, sim, sep, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"memory": {"1024"}}); r.Status != http.StatusForbidden {
		t.Errorf("config without VM.Config.* on the user: %d %s", r.Status, r.Reason)
	}
	full := newToken(t, sim, "ci@pve", "full", "--privsep 0")
	if r := callAs(t, sim, full, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil); r.Status != http.StatusOK {
		t.Errorf("a token without privsep holds its user's privileges: %d %s", r.Status, r.Reason)
	}
}

func TestPropagateOffStopsAtThePath(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	token := newTokenWithACL(t, sim, "watch@pve", "acl modify /vms --users watch@pve --roles PVEAuditor --propagate 0")
	if r := callAs(t, sim, token, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil); r.Status != http.StatusForbidden {
		t.Errorf("propagate 0 on /vms reached /vms/100: %d", r.Status)
	}
	list := mustSlice(t, data(callAs(t, sim, token, http.MethodGet, "/cluster/resources", url.Values{"type": {"vm"}})))
	if len(list) != 0 {
		t.Errorf("resources list guests without VM.Audit: %v", list)
	}
	pveum(t, sim, "acl modify /vms/100 --users watch@pve --roles PVEAuditor --propagate 0")
	if r := callAs(t, sim, token, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil); r.Status != http.StatusOK {
		t.Errorf("on the path itself: %d %s", r.Status, r.Reason)
	}
	if n := len(mustSlice(t, data(callAs(t, sim, token, http.MethodGet, "/nodes/pve1/lxc", nil)))); n != 1 {
		t.Errorf("the guest list shows %d guests, want the one audited", n)
	}
}

func newTokenWithACL(t *testing.T, sim *Simulator, user, acl string) string {
	t.Helper()
	pveum(t, sim, "user add "+user)
	pveum(t, sim, acl)
	return newToken(t, sim, user, "tk", "--privsep 0")
}

func TestDisabledExpiredAndDeletedCredentialsGet401(t *testing.T) {
	sim := startSim(t, Options{})
	token := tokenFor(t, sim, "temp@pve", "PVEAuditor")
	get := func() int { return callAs(t, sim, token, http.MethodGet, "/nodes", nil).Status }
	if s := get(); s != http.StatusOK {
		t.Fatalf("fresh token: %d", s)
	}
	pveum(t, sim, "user modify temp@pve --enable 0")
	if r := callAs(t, sim, token, http.MethodGet, "/nodes", nil); r.Status != http.StatusUnauthorized || r.Reason != "Authentication failed!" {
		t.Errorf("token of a disabled user: %d %s", r.Status, r.Reason)
	}
	pveum(t, sim, "user modify temp@pve --enable 1")
	pveum(t, sim, "user token modify temp@pve tk --expire 1000")
	if s := get(); s != http.StatusUnauthorized {
		t.Errorf("expired token: %d", s)
	}
	pveum(t, sim, "user token modify temp@pve tk --expire 0")
	if s := get(); s != http.StatusOK {
		t.Errorf("token no longer expiring: %d", s)
	}
	pveum(t, sim, "user token remove temp@pve tk")
	if s := get(); s != http.StatusUnauthorized {
		t.Errorf("removed token: %d", s)
	}
	secrets, _ := sim.cfs.ReadFile(tokenCfgPath)
	if strings.Contains(string(secrets), "temp@pve!tk") {
		t.Error("token.cfg keeps a removed token's secret")
	}
}

func TestPasswordLoginOfPVEUsersAndTickets(t *testing.T) {
	sim := startSim(t, Options{})
	pveum(t, sim, "user add alice@pve --password 'correct horse'")
	pveum(t, sim, "aclmod /vms -user alice@pve -role PVEVMUser")
	login := func(user, password string) apiResponse {
		return call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {user}, "password": {password}})
	}
	if r := login("alice@pve", "wrong"); r.Status != http.StatusUnauthorized || r.Reason != "authentication failure" {
		t.Errorf("wrong password: %d %s", r.Status, r.Reason)
	}
	r := login("alice@pve", "correct horse")
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Reason)
	}
	caps := mustMap(t, mustMap(t, data(r))["cap"])
	if mustMap(t, caps["vms"])["VM.PowerMgmt"] != float64(1) || mustMap(t, caps["vms"])["VM.Allocate"] != nil {
		t.Errorf("cap of a PVEVMUser: %v", caps["vms"])
	}
	ticket := mustString(t, mustMap(t, data(r))["ticket"])
	byTicket := func(req *http.Request) { req.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: ticket}) }
	if r := callWith(t, sim, http.MethodGet, "/nodes/pve1/status", nil, byTicket); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/nodes/pve1, Sys.Audit)" {
		t.Errorf("ticket of a PVEVMUser on node status: %d %s", r.Status, r.Reason)
	}
	// A token is never root@pam: root-only routes refuse root's token
	// and a route without token access refuses every token.
	if r := call(t, sim, http.MethodPut, "/access/password",
		url.Values{"userid": {"alice@pve"}, "password": {"another one"}}); r.Status != http.StatusForbidden ||
		!strings.HasPrefix(r.Reason, "Permission check failed (URI '/access/password' not available with API token") {
		t.Errorf("password change by token: %d %s", r.Status, r.Reason)
	}
	var shadow bytes.Buffer
	_, _ = sim.RunOnNode(ctx(t), "pve2", "cat /etc/pve/priv/shadow.cfg", nil, &shadow, &shadow)
	if !strings.HasPrefix(shadow.String(), "alice:$5$") {
		t.Errorf("shadow.cfg: %q", shadow.String())
	}
	pveum(t, sim, "user modify alice@pve --enable 0")
	if r := callWith(t, sim, http.MethodGet, "/nodes", nil, byTicket); r.Status != http.StatusUnauthorized {
		t.Errorf("ticket of a disabled user: %d", r.Status)
	}
}

func TestTasksAreSeenByTheirOwnersAndAuditors(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil) // a task of root@pam!proximity
	user := tokenFor(t, sim, "ops@pve", "PVEVMUser")
	r := callAs(t, sim, user, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil)
	mine := mustString(t, data(r))
	waitTask(t, sim, mine)
	list := mustSlice(t, data(callAs(t, sim, user, http.MethodGet, "/nodes/pve1/tasks", nil)))
	if len(list) != 1 || mustMap(t, list[0])["upid"] != mine {
		t.Errorf("a user's task list: %v", list)
	}
	if !strings.Contains(mine, ":ops@pve!tk:") {
		t.Errorf("the UPID names the token: %s", mine)
	}
	others := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks", nil)))
	var rootTask string
	for _, item := range others {
		if tk := mustMap(t, item); tk["type"] == "vzcreate" {
			rootTask = mustString(t, tk["upid"])
		}
	}
	if r := callAs(t, sim, user, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(rootTask)+"/status", nil); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/nodes/pve1, Sys.Audit)" {
		t.Errorf("another's task status: %d %s", r.Status, r.Reason)
	}
	admin := sim.Info().PVEAdminAPIToken
	if r := callAs(t, sim, admin, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(rootTask)+"/log", nil); r.Status != http.StatusOK {
		t.Errorf("an auditor reads any task log: %d %s", r.Status, r.Reason)
	}
}

func TestTagRulesOfDatacenterCfg(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"tags": {"existing-tag"}})
	createCT(t, sim, "pve1", 101, nil)
	admin := sim.Info().PVEAdminAPIToken
	setTags := func(token, tags string) apiResponse {
		return callAs(t, sim, token, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"tags": {tags}})
	}
	setOptions := func(form url.Values) {
		if r := call(t, sim, http.MethodPut, "/cluster/options", form); r.Status != http.StatusOK {
			t.Fatalf("cluster options %v: %d %s", form, r.Status, r.Reason)
		}
	}
	// PVEAdmin lacks Sys.Modify, so it cannot set cluster options.
	if r := callAs(t, sim, admin, http.MethodPut, "/cluster/options", url.Values{"keyboard": {"de"}}); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/, Sys.Modify)" {
		t.Errorf("PVEAdmin sets cluster options: %d %s", r.Status, r.Reason)
	}
	if r := setTags(admin, "px-pub-8100"); r.Status != http.StatusOK {
		t.Errorf("free (the default): %d %s", r.Status, r.Reason)
	}
	setOptions(url.Values{"user-tag-access": {"user-allow=existing"}})
	if r := setTags(admin, "px-pub-8100;existing-tag"); r.Status != http.StatusOK {
		t.Errorf("existing: an existing tag: %d %s", r.Status, r.Reason)
	}
	if r := setTags(admin, "px-pub-8100;existing-tag;px-int-9100"); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/, Sys.Modify for modifying tag 'px-int-9100')" {
		t.Errorf("existing: a new tag: %d %s", r.Status, r.Reason)
	}
	setOptions(url.Values{"user-tag-access": {"user-allow=list,user-allow-list=px-int-9100;proximity"}})
	if r := setTags(admin, "px-pub-8100;existing-tag;px-int-9100"); r.Status != http.StatusOK {
		t.Errorf("list: a listed tag: %d %s", r.Status, r.Reason)
	}
	setOptions(url.Values{"user-tag-access": {"user-allow=none"}})
	if r := setTags(admin, "px-pub-8100;existing-tag"); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/, Sys.Modify for modifying tag 'px-int-9100')" {
		t.Errorf("none: removing a tag: %d %s", r.Status, r.Reason)
	}
	setOptions(url.Values{"delete": {"user-tag-access"}, "registered-tags": {"proximity;px-deploying"}})
	if r := setTags(admin, "px-pub-8100;existing-tag;px-int-9100;px-deploying"); r.Status != http.StatusForbidden ||
		r.Reason != "Permission check failed (/, Sys.Modify for modifying tag 'px-deploying')" {
		t.Errorf("registered tag: %d %s", r.Status, r.Reason)
	}
	// root@pam's token holds Sys.Modify through root's privileges.
	if r := setTags(sim.Info().APIToken, "px-deploying"); r.Status != http.StatusOK {
		t.Errorf("Sys.Modify bypass: %d %s", r.Status, r.Reason)
	}
	var dc bytes.Buffer
	_, _ = sim.RunOnNode(ctx(t), "pve3", "cat /etc/pve/datacenter.cfg", nil, &dc, &dc)
	if !strings.Contains(dc.String(), "registered-tags: proximity;px-deploying\n") || strings.Contains(dc.String(), "user-tag-access") {
		t.Errorf("datacenter.cfg:\n%s", dc.String())
	}
	opts := mustMap(t, data(callAs(t, sim, admin, http.MethodGet, "/cluster/options", nil)))
	raw, _ := json.Marshal(opts["registered-tags"])
	if string(raw) != `["proximity","px-deploying"]` || opts["allowed-tags"] == nil {
		t.Errorf("cluster options: %v", opts)
	}
}
