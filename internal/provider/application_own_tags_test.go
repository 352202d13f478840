package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccOwnTagsRemovedOutOfBandAreRestored: Proximity's own tags removed
// in the PVE UI are drift. The plan shows an update (the refresh keeps the
// state's app and ports, and writes nothing), the apply puts the tags back
// in one operation, and the plan is empty after. With px-id- gone too, the
// container is still recognised by the identity file its create wrote, and
// restored the same way. A foreign container that took the app's VMID and
// hostname, with the app's tags but no such file, is never modified: the
// app is replaced, elsewhere.
func TestAccOwnTagsRemovedOutOfBandAreRestored(t *testing.T) {
	e := newSimEnv(t, "")
	web := application("web", "nginx", "web").str("node", "pve1").set("tags", `["mine"]`)
	cfg := config(rawHCL(e.appProvider()), web)
	res := web.address()
	const ours = `mine;proximity;px-app-nginx;px-id-[0-9a-f]{12};px-int-9100;px-pub-8100`
	tagsAre := func(pattern string) statecheck.StateCheck {
		return expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"tags": knownvalue.StringRegexp(regexp.MustCompile("^" + pattern + "$"))})
	}
	var identity string // the px-id- tag, once the app exists
	drop := func(prefixes ...string) func() {
		return func() {
			g := guestNamed(t, e, "web")
			kept := slices.DeleteFunc(slices.Clone(g.Tags), func(tag string) bool {
				if id, ok := strings.CutPrefix(tag, "px-id-"); ok {
					identity = id
				}
				return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(tag, p) })
			})
			e.must(e.client.UpdateContainerConfig(context.Background(), g.Node, g.VMID, pveclient.ContainerConfigUpdate{Tags: kept}))
		}
	}
	restored := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	foreign := plainContainer(pveclient.ContainerSettings{
		Hostname: "web", Unprivileged: ptr(true), Memory: 333, Tags: pveclient.ParseTags("px-app-nginx;px-int-9100;px-pub-8100"),
		Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
	})
	foreignUntouched := expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
		"memory": knownvalue.Int64Exact(333),
		"tags":   knownvalue.StringExact("px-app-nginx;px-int-9100;px-pub-8100"),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(foreignUntouched),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{tagsAre(ours)}, // the create took its deploying mark off
			},
			{
				// The app's and the ports' tags go: a plan shows the drift.
				PreConfig:          drop("px-app-", "px-pub-", "px-int-"),
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:           cfg,
				ConfigPlanChecks: restored,
				ConfigStateChecks: []statecheck.StateCheck{
					tagsAre(ours), // back, without the deploying mark: the update rewrote them
					statecheck.ExpectKnownValue(res, tfjsonpath.New("catalog_id"), knownvalue.StringExact("nginx")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("tags"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("mine")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log"), knownvalue.MapSizeExact(2)), // the create, and the restore of the tags
				},
			},
			{
				// The identity goes too: the identity file proves the
				// container is the app's, and the same identity comes back.
				PreConfig:         drop("px-id-", "px-app-"),
				Config:            cfg,
				ConfigPlanChecks:  restored,
				ConfigStateChecks: []statecheck.StateCheck{tagsAre(ours)},
				Check:             sameIdentity(t, e, &identity),
			},
			{
				// Someone else's container at the app's VMID, with its
				// hostname and tags but no identity file: left alone.
				PreConfig: func() {
					ctx := context.Background()
					e.must(e.client.StopGuest(ctx, "pve1", 100))
					e.must(e.client.DeleteGuest(ctx, "pve1", 100))
					e.createGuest("pve1", 100, foreign)
					e.must(e.client.StartGuest(ctx, "pve1", 100))
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					foreignUntouched,
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
				},
			},
		},
	})
}

// sameIdentity checks that the app's container carries, in its tags and in
// its identity file, the identity it had before its px-id- tag was removed.
func sameIdentity(t *testing.T, e *testEnv, identity *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if g := guestNamed(t, e, "web"); *identity == "" || !slices.Contains(g.Tags, "px-id-"+*identity) {
			return fmt.Errorf("tags %v, want px-id-%s back", g.Tags, *identity)
		}
		out, err := e.inContainer("pve1", 100, "cat /etc/proximity/identity")
		if err != nil || strings.TrimSpace(out) != *identity {
			return fmt.Errorf("the identity file holds %q (%v), want %s", out, err, *identity)
		}
		return nil
	}
}
