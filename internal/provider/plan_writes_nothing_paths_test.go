package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// writesNothing is a plan check that reports every change a client made on
// the simulated cluster since the step's PreConfig reset the counters
// (pvesim Stats.Writes: any API call but a GET, any file changed on a node
// or in a container), then asks ran, when set, to prove from the same
// counters that the path under test was taken. It reports with t.Errorf
// rather than failing the step, so one run names every plan that writes.
type writesNothing struct {
	e    *testEnv
	what string
	ran  func(pvesim.Stats) error
}

func (c writesNothing) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	s := c.e.sim.Stats()
	if len(s.Writes) != 0 {
		c.e.t.Errorf("%s wrote: %v", c.what, s.Writes)
	}
	if c.ran != nil {
		if err := c.ran(s); err != nil {
			c.e.t.Errorf("%s: %v", c.what, err)
		}
	}
}

// planPath is one plan-time path of the provider that reads the cluster: a
// configuration that takes it, the drift it needs, and what the plan shows.
type planPath struct {
	name   string
	drift  func()
	cfg    string
	checks []plancheck.PlanCheck
	ran    func(pvesim.Stats) error
	// changes: the plan has a change beyond imports (an import alone is an
	// empty plan to the test harness).
	changes bool
}

// steps are a plan of the path and a refresh-only apply (with the plan the
// harness makes after it) under its configuration, each checked for writes.
func (p planPath) steps(e *testEnv) []resource.TestStep {
	return []resource.TestStep{
		{
			PreConfig: func() {
				if p.drift != nil {
					p.drift()
				}
				e.sim.ResetStats() // the drift is the test's, not the plan's
			},
			Config:             p.cfg,
			PlanOnly:           true,
			ExpectNonEmptyPlan: p.changes,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: append(slices.Clone(p.checks),
				writesNothing{e: e, what: "terraform plan of " + p.name, ran: p.ran})},
		},
		{
			PreConfig:          e.sim.ResetStats,
			RefreshState:       true,
			ExpectNonEmptyPlan: p.changes,
			RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
				writesNothing{e: e, what: "terraform apply -refresh-only (and plan) of " + p.name}}},
		},
	}
}

// TestAccPlanPathsWriteNothing: every path a plan takes that reads the
// cluster beyond a refresh writes nothing, through the CLI, and neither does
// a refresh-only apply under the same configuration: an import block of two
// running apps (one whose pair the allocation table holds, one whose entry
// was lost: the import leaves it out, with allocation_id null, instead of
// writing it back), a change of hostname (deploy CheckRename), of
// port_allocation_id (CheckPortMove), of node and of storage
// (CheckRelocation), a new app (the preflight's SSH handshake and a
// create's checks), and an app whose px-id- tag was removed out of band
// (Owns reads the identity file with one pct exec cat: a read, no write).
// The allocation table lives on the simulated pmxcfs, so its reads go over
// SSH and its cluster lock would count.
func TestAccPlanPathsWriteNothing(t *testing.T) {
	e := newSimEnv(t, "")
	if _, code, err := e.onNode("pve1", "pvesm add dir fast --path /srv/fast --content rootdir"); err != nil || code != 0 {
		t.Fatalf("pvesm add: exit %d, %v", code, err)
	}
	block := rawHCL(e.provider(withSSH()))
	spare := portAllocation("spare").str("owner", "spare")
	web := application("web", "nginx", "web").str("node", "pve1").str("storage", "local-lvm").num("memory", 128)
	imp := application("imp", "nginx", "imp").str("node", "pve1").num("memory", 128)
	lost := application("lost", "nginx", "lost").str("node", "pve1").num("memory", 128)
	fresh := application("fresh", "nginx", "fresh").str("node", "pve2").num("memory", 128)
	with := func(blocks ...fmt.Stringer) string { return config(append([]fmt.Stringer{block, spare}, blocks...)...) }
	update := plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate)
	var lostPort int
	paths := []planPath{
		{
			name: "a rename", cfg: with(web.str("hostname", "www")), changes: true,
			checks: []plancheck.PlanCheck{update, plancheck.ExpectKnownValue(web.address(), tfjsonpath.New("hostname"), knownvalue.StringExact("www"))},
		},
		{
			name: "a move to a port allocation's pair", cfg: with(web.set("port_allocation_id", spare.address()+".id")), changes: true,
			checks: []plancheck.PlanCheck{update, plancheck.ExpectKnownValue(web.address(), tfjsonpath.New("port_allocation_id"), knownvalue.NotNull())},
		},
		{
			name: "a migration", cfg: with(web.str("node", "pve2")), changes: true,
			checks: []plancheck.PlanCheck{update, plancheck.ExpectUnknownValue(web.address(), tfjsonpath.New("id"))},
		},
		{
			name: "a root disk move", cfg: with(web.str("storage", "fast")), changes: true,
			checks: []plancheck.PlanCheck{update, plancheck.ExpectKnownValue(web.address(), tfjsonpath.New("storage"), knownvalue.StringExact("fast"))},
		},
		{
			name: "a create", cfg: with(web, fresh), changes: true,
			checks: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fresh.address(), plancheck.ResourceActionCreate)},
		},
		{
			name: "two imports, one of a pair the table lacks",
			drift: func() {
				lostPort = dropAllocation(t, e, guestNamed(t, e, "lost"))
			},
			cfg: with(web, imp, lost, importBlock(imp.address(), "pve1/100"), importBlock(lost.address(), "pve1/101")),
			checks: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(imp.address(), tfjsonpath.New("allocation_id"), knownvalue.NotNull()),
				plancheck.ExpectKnownValue(lost.address(), tfjsonpath.New("allocation_id"), knownvalue.Null()),
				plancheck.ExpectKnownValue(lost.address(), tfjsonpath.New("public_port"), knownvalue.NotNull()),
			},
			ran: func(pvesim.Stats) error {
				for _, a := range hostAllocations(t, e) {
					if a.PublicPort == lostPort {
						return fmt.Errorf("the table holds the lost pair again: %+v", a)
					}
				}
				return nil
			},
		},
		{
			name: "an app whose px-id- tag was removed", cfg: with(web), changes: true,
			drift:  func() { dropTag(t, e, "web", deploy.TagID) },
			checks: []plancheck.PlanCheck{update},
			ran: func(s pvesim.Stats) error {
				if s.Commands["cat"] == 0 {
					return fmt.Errorf("no cat ran in a container (commands %v): the identity file was not read", s.Commands)
				}
				return nil
			},
		},
	}
	steps := []resource.TestStep{
		// One at a time, so imp is CT 100 and lost CT 101.
		{Config: with(imp, lost.set("depends_on", "["+imp.address()+"]"))},
		{Config: with(web, forget(imp.address()), forget(lost.address()))},
	}
	for _, p := range paths {
		steps = append(steps, p.steps(e)...)
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: providerFactories, Steps: steps})
}

// dropAllocation removes a container's pair from the allocation table on
// pmxcfs, as a lost table or one kept elsewhere would, and returns its
// public port.
func dropAllocation(t *testing.T, e *testEnv, g pveclient.ClusterGuest) int {
	t.Helper()
	var port int
	for _, tag := range g.Tags {
		if p, ok := strings.CutPrefix(tag, allocstore.PublicTagPrefix); ok {
			e.must(json.Unmarshal([]byte(p), &port))
		}
	}
	raw, code, err := e.onNode("pve1", "cat "+allocstore.HostFile)
	if err != nil || code != 0 {
		t.Fatalf("reading %s: exit %d, %v: %s", allocstore.HostFile, code, err, raw)
	}
	var table allocstore.Table
	e.must(json.Unmarshal([]byte(raw), &table))
	before := len(table.Allocations)
	table.Allocations = slices.DeleteFunc(table.Allocations, func(a allocstore.Allocation) bool { return a.PublicPort == port })
	if len(table.Allocations) != before-1 {
		t.Fatalf("the table holds no pair with public port %d: %s", port, raw)
	}
	data, err := json.Marshal(table)
	e.must(err)
	var out strings.Builder
	code, err = e.sim.RunOnNode(context.Background(), "pve1", "cat > "+allocstore.HostFile, strings.NewReader(string(data)), &out, &out)
	if err != nil || code != 0 {
		t.Fatalf("writing %s: exit %d, %v: %s", allocstore.HostFile, code, err, out.String())
	}
	return port
}

// dropTag removes the tags with a prefix from a guest through the API, as
// someone in the PVE UI would.
func dropTag(t *testing.T, e *testEnv, hostname, prefix string) {
	t.Helper()
	g := guestNamed(t, e, hostname)
	kept := slices.DeleteFunc(slices.Clone(g.Tags), func(tag string) bool { return strings.HasPrefix(tag, prefix) })
	e.must(e.client.UpdateContainerConfig(context.Background(), g.Node, g.VMID, pveclient.ContainerConfigUpdate{Tags: kept}))
}
