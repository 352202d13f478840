package provider

import (
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccDestroyFailsWhenTheAppCannotBeChecked: a destroy that cannot check
// that the container is still the app fails, as a refresh does, instead of
// taking it for someone else's: the container is not deleted, its pair is
// not released, and the app stays in the state. Here the app's px-id- tag
// was removed out of band, so only its identity file can prove it, and the
// node cannot be reached over SSH to read it. (Before, the destroy released
// the pair and dropped the app while its container kept running.) The
// plan's refresh still reads the file; the node goes away between plan and
// apply (its SSH runs through a relay the test cuts). Once the node answers
// again, the file proves the app and the next apply puts the tag back.
func TestAccDestroyFailsWhenTheAppCannotBeChecked(t *testing.T) {
	e := newSimEnv(t, "")
	relay := newSSHRelay(t, e.info.SSHNodes["pve1"])
	web := application("web", "nginx", "web").str("node", "pve1")
	reachable := config(rawHCL(e.appProvider()), web)
	relayed := config(rawHCL(e.appProvider(withSSHNode("pve1", relay.address()))), web)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: reachable},
			{
				PreConfig: func() {
					g := guestNamed(t, e, "web")
					kept := slices.DeleteFunc(slices.Clone(g.Tags), func(tag string) bool { return strings.HasPrefix(tag, "px-id-") })
					e.must(e.client.UpdateContainerConfig(context.Background(), g.Node, g.VMID, pveclient.ContainerConfigUpdate{Tags: kept}))
				},
				Config:           relayed,
				Destroy:          true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{relay}},
				ExpectError:      errorLike(`Unable to delete the application.*checking that pve1/\d+ is still the application.*nothing was deleted or released`),
			},
			{
				PreConfig: func() {
					if g := guestNamed(t, e, "web"); g.Status != "running" {
						t.Errorf("after the failed destroy, CT %d is %s, want it running", g.VMID, g.Status)
					}
					if allocs, err := loadAllocations(e.allocationFile); err != nil || len(allocs) != 1 || allocs[0].Application != "web" {
						t.Errorf("after the failed destroy, the table holds %+v (%v), want web's pair", allocs, err)
					}
				},
				Config: reachable,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// sshRelay forwards TCP connections to a node's SSH server until it is cut
// (as a PreApply plan check: between a plan and its apply); then the node
// refuses connections.
type sshRelay struct {
	t        *testing.T
	target   string
	listener net.Listener
	mu       sync.Mutex
	conns    []net.Conn
}

func newSSHRelay(t *testing.T, target string) *sshRelay {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &sshRelay{t: t, target: target, listener: l}
	t.Cleanup(r.cut)
	go r.serve()
	return r
}

func (r *sshRelay) address() string { return r.listener.Addr().String() }

func (r *sshRelay) serve() {
	for {
		in, err := r.listener.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, in, out)
		r.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
		go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
	}
}

// cut closes the relay and every connection through it.
func (r *sshRelay) cut() {
	_ = r.listener.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
}

// CheckPlan cuts the relay: the apply that follows finds the node gone.
func (r *sshRelay) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	r.cut()
}
