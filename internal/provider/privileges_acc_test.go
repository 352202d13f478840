package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// minimalUser is who the README's minimal-role commands are run for here:
// the simulator already seeds the README's terraform@pve with PVEAdmin.
const minimalUser = "minimal@pve"

// readmePrivilegeCommands are the pveum lines of the README's minimal-role
// block, for user.
func readmePrivilegeCommands(t *testing.T, user string) []string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "<!-- privileges:")
	if !ok {
		t.Fatal("README.md has no privileges block")
	}
	_, block, _ := strings.Cut(after, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var out []string
	for _, line := range strings.Split(block, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, strings.ReplaceAll(line, "terraform@pve", user))
		}
	}
	return out
}

// minimalToken makes minimalUser with the README's minimal roles and a token
// without privilege separation, and returns "id=secret".
func (e *testEnv) minimalToken() string {
	e.t.Helper()
	return e.tokenWith(minimalUser, readmePrivilegeCommands(e.t, minimalUser)...)
}

// tokenWith makes user, runs the grants, and returns a token without
// privilege separation as "id=secret".
func (e *testEnv) tokenWith(user string, grants ...string) string {
	e.t.Helper()
	commands := append([]string{"pveum user add " + user}, grants...)
	for _, c := range commands {
		if out, code, err := e.onNode("pve1", c); err != nil || code != 0 {
			e.t.Fatalf("%s: exit %d: %v %s", c, code, err, out)
		}
	}
	out, code, err := e.onNode("pve1", "pveum user token add "+user+" proximity --privsep 0 --output-format json")
	if err != nil || code != 0 {
		e.t.Fatalf("token add: exit %d: %v %s", code, err, out)
	}
	var token struct {
		ID    string `json:"full-tokenid"`
		Value string `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &token); err != nil {
		e.t.Fatalf("token add printed %q: %v", out, err)
	}
	return token.ID + "=" + token.Value
}

// TestReadmePrivilegesAreDeploysRule: the README's roles grant exactly
// what deploy's rule requires, path by path.
func TestReadmePrivilegesAreDeploysRule(t *testing.T) {
	granted := map[string][]string{} // role -> privileges
	paths := map[string]string{}     // path -> role
	for _, c := range readmePrivilegeCommands(t, minimalUser) {
		f := strings.Fields(c)
		switch {
		case len(f) == 6 && f[1] == "role" && f[2] == "add":
			granted[f[3]] = strings.Split(strings.Trim(f[5], `"`), ",")
		case len(f) == 7 && f[1] == "aclmod":
			paths[f[2]] = f[6]
		default:
			t.Fatalf("unexpected README line %q", c)
		}
	}
	want := deploy.RequiredPrivileges()
	if len(paths) != len(want) {
		t.Errorf("README grants on %v, the rule needs %v", paths, want)
	}
	for _, n := range want {
		got := slices.Sorted(slices.Values(granted[paths[n.Path]]))
		if !slices.Equal(got, n.Privs) || deploy.RoleFor(n.Path) != paths[n.Path] {
			t.Errorf("README grants %s %v on %s; the rule needs %s %v", paths[n.Path], got, n.Path, deploy.RoleFor(n.Path), n.Privs)
		}
	}
}

// TestAccMinimalRoleLifecycle: a token holding exactly the README's list
// creates, updates, backs up, restores and destroys applications, on both
// releases.
func TestAccMinimalRoleLifecycle(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) { minimalRoleLifecycle(t, release) })
	}
}

func minimalRoleLifecycle(t *testing.T, release string) {
	e := newEnv(t, pvesim.Options{PVEVersion: release})
	block := rawHCL(e.appProvider(withAPIToken(e.minimalToken())))
	// An auditor looking for drift: a plan that changes nothing asks for
	// no privilege beyond reading.
	auditor := rawHCL(e.appProvider(withAPIToken(e.tokenWith("auditor@pve", "pveum aclmod / -user auditor@pve -role PVEAuditor"))))
	web := application("web", "nginx", "web").str("node", "pve1")
	updated := web.set("tags", `["web"]`).num("memory", 256).set("environment", `{ NGINX_HOST = "example.com" }`)
	webBackup := backup("web").set("application_id", "proximity_application.web.id")
	copyOf := application("copy", "nginx", "web-copy").str("node", "pve1").set("restore_from", "proximity_backup.web.volid")
	backupsOfWeb := dataBlock("proximity_backups", "web").num("vmid", 100)
	restoredWeb := updated.set("restore_from", "data.proximity_backups.web.backups[0].volid")
	empty := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web), ConfigPlanChecks: empty},
			{Config: config(auditor, web), PlanOnly: true},
			{Config: config(auditor, updated), PlanOnly: true, ExpectError: errorLike(`Missing Proxmox VE privileges .* auditor@pve!proximity`)},
			{
				Config: config(block, updated), ConfigPlanChecks: empty,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("memory"), knownvalue.Int64Exact(256)),
				},
			},
			{Config: config(block, updated, webBackup), ConfigPlanChecks: empty},
			{
				Config: config(block, updated, webBackup, copyOf), ConfigPlanChecks: empty,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(copyOf.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
			{
				// Restored over itself in place: its own archive needs nothing more.
				Config:           config(block, backupsOfWeb, restoredWeb, webBackup, copyOf),
				ConfigPlanChecks: empty,
				ConfigStateChecks: []statecheck.StateCheck{
					expectStep(web.address(), 0, 1, "restore container", ""),
				},
			},
		},
	})
}

// TestAccMissingPrivilegeFailsThePlan: without any one privilege of the
// list, the plan of an application with a backup fails naming it on its
// path, and nothing is created.
func TestAccMissingPrivilegeFailsThePlan(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider(withAPIToken(e.minimalToken())))
	cfg := config(block, application("web", "nginx", "web"), backup("web").set("application_id", "proximity_application.web.id"))
	var steps []resource.TestStep
	for _, n := range deploy.RequiredPrivileges() {
		role := deploy.RoleFor(n.Path)
		for _, priv := range n.Privs {
			if priv == "VM.Migrate" {
				continue // only a change of node needs it (TestAccMigrationNeedsVMMigrate)
			}
			rest := slices.DeleteFunc(slices.Clone(n.Privs), func(p string) bool { return p == priv })
			steps = append(steps, resource.TestStep{
				PreConfig: func() {
					e.pveumOK(fmt.Sprintf("pveum role modify %s --privs %q", role, strings.Join(rest, ",")))
				},
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: missingPrivilegePattern(n.Path, priv, role),
			}, resource.TestStep{
				PreConfig: func() {
					e.pveumOK(fmt.Sprintf("pveum role modify %s --privs %q", role, strings.Join(n.Privs, ",")))
					if guests, err := e.client.ClusterGuests(context.Background()); err != nil || len(guests) != 0 {
						t.Fatalf("the failed plan without %s left guests %v (%v)", priv, guests, err)
					}
				},
				Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
			})
		}
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: providerFactories, CheckDestroy: e.nothingLeft(), Steps: steps})
}

// TestAccPortAllocationNeedsToSeeEveryGuest: a port allocation's
// cross-check reads every guest's ports from /cluster/resources, which
// hides the guests an identity may not audit; without VM.Audit propagated
// from /vms the plan fails rather than hand out a port a hidden guest holds.
func TestAccPortAllocationNeedsToSeeEveryGuest(t *testing.T) {
	e := newSimEnv(t, "")
	token := e.tokenWith("ports@pve", "pveum role add Audit --privs VM.Audit", "pveum aclmod /vms -user ports@pve -role Audit --propagate 0")
	cfg := config(rawHCL(e.provider(withLocalStore(), withAPIToken(token))), portAllocation("p").str("owner", "web"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: cfg, PlanOnly: true, ExpectError: errorLike(`/vms \(propagated to the objects below it\): VM.Audit`)},
			{
				PreConfig: func() { e.pveumOK("pveum aclmod /vms -user ports@pve -role Audit") },
				Config:    cfg,
			},
		},
	})
}

// TestAccTagRulesWithoutSysModify: with datacenter.cfg restricting tags the
// PVEAdmin token (no Sys.Modify) cannot write Proximity's tags; the plan
// fails naming the line and the grant, and the grant fixes it.
func TestAccTagRulesWithoutSysModify(t *testing.T) {
	testTagSteps(t, func(e *testEnv, web func(tags string) string) []resource.TestStep {
		return []resource.TestStep{
			{
				PreConfig: func() {
					e.pveumOK("pvesh set /cluster/options --user-tag-access 'user-allow=list,user-allow-list=blue'")
				},
				Config: web(`["blue"]`), PlanOnly: true,
				ExpectError: errorLike(`PVE refuses the tags Proximity writes .* sets user-tag-access user-allow=list.* ` +
					`in /etc/pve/datacenter.cfg: user-tag-access: user-allow=free,user-allow-list=blue .* ` +
					`pveum role add ProximityTags --privs Sys.Modify .* pveum aclmod / -user terraform@pve -role ProximityTags --propagate 0`),
			},
			{
				PreConfig: func() {
					e.pveumOK("pvesh set /cluster/options --delete user-tag-access")
					e.pveumOK("pvesh set /cluster/options --registered-tags 'blue;proximity'")
				},
				Config: web(`["blue"]`), PlanOnly: true,
				ExpectError: errorLike(`refuses .* blue, proximity: .* registers the tags blue, proximity\..*registered-tags without blue, proximity`),
			},
			{
				PreConfig: func() {
					if guests, err := e.client.ClusterGuests(context.Background()); err != nil || len(guests) != 0 {
						t.Fatalf("a refused plan left guests %v (%v)", guests, err)
					}
					e.pveumOK("pvesh set /cluster/options --user-tag-access user-allow=none")
					e.pveumOK("pveum role add ProximityTags --privs Sys.Modify")
					e.pveumOK("pveum aclmod / -user terraform@pve -role ProximityTags --propagate 0")
				},
				Config:           web(`["blue"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		}
	})
}

// testTagSteps runs the steps against a fresh simulator through the
// PVEAdmin token (no Sys.Modify on /); web(tags) is the configuration of an
// app web with those tags. Nothing may be left afterwards.
func testTagSteps(t *testing.T, steps func(e *testEnv, web func(tags string) string) []resource.TestStep) {
	t.Helper()
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := func(tags string) string { return config(block, application("web", "nginx", "web").set("tags", tags)) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps:                    steps(e, web),
	})
}

// pveumOK runs an administration command on a node and fails the test if
// it fails.
func (e *testEnv) pveumOK(command string) {
	e.t.Helper()
	if out, code, err := e.onNode("pve1", command); err != nil || code != 0 {
		e.t.Fatalf("%s: exit %d: %v %s", command, code, err, out)
	}
}

// missingPrivilegePattern matches the plan's error for priv missing on path:
// the privilege on its path's line, and the grants of role on path to the
// user and to the token.
func missingPrivilegePattern(path, priv, role string) *regexp.Regexp {
	q := regexp.QuoteMeta
	// The bridge's own path is asked: /sdn/zones/localnetwork/vmbr0.
	at := q(path) + `(?:/\S+)?`
	grant := func(who string) string { return `pveum\s+aclmod\s+` + at + `\s+` + who + `\s+-role\s+` + role }
	return regexp.MustCompile(`(?s)Missing Proxmox VE privileges.*\n\s*` + at + `(?: \(propagated to the objects below it\))?: [^\n]*\b` + q(priv) +
		`\b.*` + grant(`-user\s+`+q(minimalUser)) + `\s+` + grant(`-token\s+'`+q(minimalUser+"!proximity")+`'`))
}

// TestAccTagStyleKeepsPlansEmpty: under any tag-style (ordering as written,
// case-sensitive), which changes how PVE stores the tags (pve-guest-common
// get_unique_tags), an app's create and a change of its tags plan empty
// afterwards.
func TestAccTagStyleKeepsPlansEmpty(t *testing.T) {
	empty := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	testTagSteps(t, func(e *testEnv, web func(tags string) string) []resource.TestStep {
		return []resource.TestStep{
			{
				PreConfig: func() {
					e.pveumOK("pvesh set /cluster/options --tag-style 'ordering=config,case-sensitive=1,shape=dense'")
				},
				Config:           web(`["zeta", "alpha"]`),
				ConfigPlanChecks: empty,
			},
			{Config: web(`["beta", "zeta"]`), ConfigPlanChecks: empty},
			{
				PreConfig:        func() { e.pveumOK("pvesh set /cluster/options --tag-style 'ordering=alphabetical'") },
				Config:           web(`["omega"]`),
				ConfigPlanChecks: empty,
			},
		}
	})
}
