package pvesim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// roleOutcome is what one role gets from one operation: the HTTP status and
// message, and for a task the exit status.
type roleOutcome struct {
	status int
	msg    string // the message of a failure, or the task's exit status
}

var (
	ok200     = roleOutcome{http.StatusOK, "OK"}
	denied    = roleOutcome{http.StatusForbidden, "Permission check failed"}
	anyConfig = roleOutcome{http.StatusForbidden,
		"Permission check failed (/vms/100, VM.Config.Disk|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.Options)"}
	noLocal = roleOutcome{http.StatusForbidden, "Permission check failed (/storage/local, Datastore.AllocateSpace)"}
	noLVM   = roleOutcome{http.StatusForbidden, "Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)"}
	noPower = roleOutcome{http.StatusForbidden, "Permission check failed (/vms/100, VM.PowerMgmt)"}
	noTmpl  = roleOutcome{http.StatusForbidden, "Permission check failed (/storage/local, Datastore.AllocateTemplate)"}
)

func noAllocate(vmid int) roleOutcome {
	return roleOutcome{http.StatusForbidden, fmt.Sprintf("Permission check failed (/vms/%d, VM.Allocate)", vmid)}
}

// TestEachRoleOnEachContainerOperation gives a token of each built-in role
// (on /, without privsep, as the README sets up PVEAdmin) every operation a
// container app store makes, and expects PVE's answer: the checks of
// pve-container src/PVE/API2/LXC.pm (create_vm, update_vm, destroy_vm),
// src/PVE/LXC.pm check_ct_modify_config_perm, pve-guest-common
// check_vnet_access and assert_tag_permissions, pve-storage
// check_volume_access, pve-manager PVE/API2/VZDump.pm and Nodes.pm aplinfo.
func TestEachRoleOnEachContainerOperation(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	createCT(t, sim, "pve1", 101, nil)
	backup := call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"101"}, "storage": {"local"}, "mode": {"stop"}})
	if s := waitTask(t, sim, mustString(t, data(backup))); s != "OK" {
		t.Fatalf("backup: %s", s)
	}
	archive := ""
	for _, v := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local/content", url.Values{"content": {"backup"}}))) {
		archive = mustString(t, mustMap(t, v)["volid"])
	}

	type op struct {
		name, method, path string
		form               func(i int) url.Values
	}
	ops := []op{
		{"create", http.MethodPost, "/nodes/pve1/lxc", func(i int) url.Values {
			return url.Values{"vmid": {fmt.Sprint(200 + i)}, "ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"},
				"rootfs": {"local-lvm:4"}, "net0": {"name=eth0,bridge=vmbr0,ip=dhcp"}, "unprivileged": {"1"},
				"features": {"nesting=1"}, "hostname": {"app"}, "memory": {"512"}, "tags": {"proximity"}}
		}},
		{"config", http.MethodPut, "/nodes/pve1/lxc/100/config", func(int) url.Values { return url.Values{"memory": {"1024"}} }},
		{"tags", http.MethodPut, "/nodes/pve1/lxc/100/config", func(i int) url.Values { return url.Values{"tags": {fmt.Sprintf("px-pub-%d", 8100+i)}} }},
		{"power", http.MethodPost, "/nodes/pve1/lxc/100/status/start", func(int) url.Values { return nil }},
		{"backup", http.MethodPost, "/nodes/pve1/vzdump", func(int) url.Values { return url.Values{"vmid": {"100"}, "storage": {"local"}} }},
		{"restore", http.MethodPost, "/nodes/pve1/lxc", func(int) url.Values {
			return url.Values{"vmid": {"101"}, "ostemplate": {archive}, "restore": {"1"}, "force": {"1"}, "storage": {"local-lvm"}}
		}},
		{"download", http.MethodPost, "/nodes/pve1/aplinfo", func(int) url.Values {
			return url.Values{"storage": {"local"}, "template": {"ubuntu-24.04-standard_24.04-2_amd64.tar.zst"}}
		}},
		{"delete", http.MethodDelete, "/nodes/pve1/lxc/", nil},
	}
	roles := []struct {
		role string
		want map[string]roleOutcome
	}{
		{"Administrator", map[string]roleOutcome{"create": ok200, "config": ok200, "tags": ok200, "power": ok200, "backup": ok200, "restore": ok200,
			"download": ok200, "delete": ok200}},
		{"PVEAdmin", map[string]roleOutcome{"create": ok200, "config": ok200, "tags": ok200, "power": ok200, "backup": ok200, "restore": ok200,
			"download": ok200, "delete": ok200}},
		{"PVEVMAdmin", map[string]roleOutcome{
			"create": {http.StatusForbidden, "Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)"},
			"config": ok200, "tags": ok200, "power": ok200, "backup": noLocal, "restore": noLVM, "download": noTmpl, "delete": ok200}},
		{"PVEVMUser", map[string]roleOutcome{"create": denied, "config": anyConfig, "tags": anyConfig, "power": ok200, "backup": noLocal, "restore": noLVM,
			"download": noTmpl}},
		{"PVEDatastoreUser", map[string]roleOutcome{"create": denied, "config": anyConfig, "tags": anyConfig, "power": noPower,
			// The storage check passes; the guest is checked in the worker.
			"backup": {http.StatusOK, "Permission check failed (/vms/100, VM.Backup)"}, "restore": denied, "download": noTmpl}},
		{"PVEAuditor", map[string]roleOutcome{"create": denied, "config": anyConfig, "tags": anyConfig, "power": noPower, "backup": noLocal,
			"restore": denied, "download": noTmpl}},
		{"NoAccess", map[string]roleOutcome{"create": denied, "config": anyConfig, "tags": anyConfig, "power": noPower, "backup": noLocal,
			"restore": denied, "download": noTmpl}},
	}
	for i, rc := range roles {
		token := tokenFor(t, sim, fmt.Sprintf("r%d@pve", i), rc.role)
		victim := 300 + i
		createCT(t, sim, "pve2", victim, nil)
		for _, o := range ops {
			want, listed := rc.want[o.name]
			if !listed {
				want = noAllocate(victim)
			}
			path, form := o.path, url.Values(nil)
			if o.form != nil {
				form = o.form(i)
			}
			if o.name == "delete" {
				path = fmt.Sprintf("/nodes/pve2/lxc/%d", victim)
			}
			r := callAs(t, sim, token, o.method, path, form)
			got := roleOutcome{r.Status, ""}
			if r.Status == http.StatusOK {
				got.msg = "OK"
				if upid, isTask := data(r).(string); isTask {
					got.msg = waitTask(t, sim, upid)
				}
			} else {
				got.msg = r.Reason
			}
			if got != want {
				t.Errorf("%s %s: got %d %q, want %d %q", rc.role, o.name, got.status, got.msg, want.status, want.msg)
			}
			if o.name == "power" && r.Status == http.StatusOK {
				waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/stop", nil))))
			}
		}
	}
}

// TestFeatureFlagsAreRootsAlone: no token may set keyctl, not even one of
// root@pam, while root@pam's password login may; nesting alone is
// VM.Allocate's.
func TestFeatureFlagsAreRootsAlone(t *testing.T) {
	sim := startSim(t, Options{})
	create := func(vmid int, features string) url.Values {
		return url.Values{"vmid": {fmt.Sprint(vmid)}, "ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"},
			"rootfs": {"local-lvm:4"}, "unprivileged": {"1"}, "features": {features}}
	}
	const rootOnly = "Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)"
	for _, token := range []string{sim.Info().APIToken, sim.Info().PVEAdminAPIToken} {
		r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/lxc", create(150, "nesting=1,keyctl=1"))
		if r.Status != http.StatusForbidden || r.Reason != rootOnly {
			t.Errorf("token %s: %d %s", token[:8], r.Status, r.Reason)
		}
	}
	privileged := create(151, "nesting=1")
	privileged.Del("unprivileged")
	if r := callAs(t, sim, sim.Info().PVEAdminAPIToken, http.MethodPost, "/nodes/pve1/lxc",
		privileged); r.Reason != "Permission check failed (changing feature flags for privileged container is only allowed for root@pam)" {
		t.Errorf("privileged container: %d %s", r.Status, r.Reason)
	}
	login := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"root@pam"}, "password": {sim.Info().Password}})
	ticket := mustMap(t, data(login))
	byTicket := func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: mustString(t, ticket["ticket"])})
		r.Header.Set("CSRFPreventionToken", mustString(t, ticket["CSRFPreventionToken"]))
	}
	r := callWith(t, sim, http.MethodPost, "/nodes/pve1/lxc", create(152, "nesting=1,keyctl=1"), byTicket)
	if r.Status != http.StatusOK {
		t.Fatalf("root@pam by password: %d %s", r.Status, r.Reason)
	}
	waitTask(t, sim, mustString(t, data(r)))
	// Changing the flags of an existing container: nesting alone is fine
	// for PVEAdmin, keyctl is not; over SSH, pct runs as root@pam.
	admin := sim.Info().PVEAdminAPIToken
	if r := callAs(t, sim, admin, http.MethodPut, "/nodes/pve1/lxc/152/config",
		url.Values{"features": {"nesting=0,keyctl=1"}}); r.Status != http.StatusOK {
		t.Errorf("nesting only change: %d %s", r.Status, r.Reason)
	}
	if r := callAs(t, sim, admin, http.MethodPut, "/nodes/pve1/lxc/152/config", url.Values{"features": {"nesting=0"}}); r.Reason != rootOnly {
		t.Errorf("dropping keyctl: %d %s", r.Status, r.Reason)
	}
}

// TestPctSetRunsAsRoot: over the root SSH session, pct may set what no API
// token may, such as keyctl.
func TestPctSetRunsAsRoot(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	var out, errOut strings.Builder
	code, _ := sim.RunOnNode(ctx(t), "pve1", "pct set 100 --features nesting=1,keyctl=1 && pct config 100", nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "features: nesting=1,keyctl=1\n") {
		t.Errorf("pct set: %d %s %s", code, out.String(), errOut.String())
	}
	code, _ = sim.RunOnNode(ctx(t), "pve1", "pct set 100 --memory lots", nil, &out, &errOut)
	if code != 255 || !strings.Contains(errOut.String(), "memory: type check ('integer') failed - got 'lots'") {
		t.Errorf("pct set with a bad value: %d %s", code, errOut.String())
	}
}

// TestReviewFindings pins what a review found the simulator allowed and PVE
// does not.
func TestReviewFindings(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	admin := sim.Info().PVEAdminAPIToken

	// skiplock is root@pam's (LXC/Status.pm).
	r := callAs(t, sim, admin, http.MethodPost, "/nodes/pve1/lxc/100/status/start", url.Values{"skiplock": {"1"}})
	if r.Status != http.StatusBadRequest || mustMap(t, r.Body["errors"])["skiplock"] != "Only root may use this option." {
		t.Errorf("skiplock by a token: %d %s", r.Status, r.Raw)
	}

	// An email is verified, so no line can be smuggled into user.cfg.
	r = callAs(t, sim, admin, http.MethodPost, "/access/users", url.Values{"userid": {"evil@pve"}, "email": {"a@b.c\nacl:1:/:evil@pve:Administrator:"}})
	if r.Status != http.StatusBadRequest || mustMap(t, r.Body["errors"])["email"] != "invalid format - value does not look like a valid email address" {
		t.Errorf("email with a newline: %d %s", r.Status, r.Raw)
	}

	// A restore checks the bridges its archive brings along.
	waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}, "storage": {"local"}}))))
	var archive string
	for _, v := range mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local/content", url.Values{"content": {"backup"}}))) {
		archive = mustString(t, mustMap(t, v)["volid"])
	}
	pveum(t, sim, "user add vm@pve")
	pveum(t, sim, "aclmod / -user vm@pve -role PVEVMAdmin")
	pveum(t, sim, "aclmod /storage -user vm@pve -role PVEDatastoreUser")
	vmAdmin := newToken(t, sim, "vm@pve", "tk", "--privsep 0")
	r = callAs(t, sim, vmAdmin, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"150"}, "ostemplate": {archive}, "restore": {"1"}, "storage": {"local-lvm"}})
	if r.Status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.Status, r.Reason)
	}
	if got := waitTask(t, sim,
		mustString(t, data(r))); got != "unable to restore CT 150 - Permission check failed (/sdn/zones/localnetwork/vmbr0, SDN.Use)" {
		t.Errorf("restore of an archive with a bridge, without SDN.Use: %s", got)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil); r.Status == http.StatusOK {
		t.Error("the refused restore left a container")
	}

	// A node's usage is for those with Sys.Audit on it.
	pveum(t, sim, "user add guest@pve")
	pveum(t, sim, "aclmod /vms -user guest@pve -role PVEVMUser")
	nodes := mustSlice(t, data(callAs(t, sim, newToken(t, sim, "guest@pve", "tk", "--privsep 0"), http.MethodGet, "/nodes", nil)))
	if n := mustMap(t, nodes[0]); n["mem"] != nil || n["node"] == nil {
		t.Errorf("a node listed to a non-auditor: %v", n)
	}

	// A guest created into a pool joins it, so the pool's ACLs reach it.
	if err := sim.changeUserConfig(func(c *userConfig) error {
		c.Pools["team"] = &poolEntry{VMs: map[int]bool{}, Storage: map[string]bool{}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	createCT(t, sim, "pve1", 160, url.Values{"pool": {"team"}})
	if cfg, _ := sim.cfs.ReadFile(userCfgPath); !strings.Contains(string(cfg), "pool:team::160::\n") {
		t.Errorf("user.cfg after a create into a pool:\n%s", cfg)
	}
}
