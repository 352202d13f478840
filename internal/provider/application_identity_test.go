package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccReusedVMIDIsNotTheApp: the app's container is deleted out of band
// and PVE gives its VMID to the next guest, here one that even carries the
// app's Proximity tags and ports. The plan must not take it for the app: the
// app is created anew elsewhere, and neither that apply nor the destroy
// touches the other guest. (A guest that also took the app's hostname makes
// the create refuse instead: TestAccOneHostnameOneApp.)
func TestAccReusedVMIDIsNotTheApp(t *testing.T) {
	e := newSimEnv(t, "")
	web := application("web", "nginx", "web")
	cfg := config(rawHCL(e.appProvider()), web)
	res := web.address()
	planted := plainContainer(pveclient.ContainerSettings{
		Hostname: "someone-else", Unprivileged: ptr(true), Memory: 333,
		Tags: pveclient.ParseTags("proximity;px-app-nginx;px-int-9100;px-pub-8100"),
	})
	plantedIsUntouched := expectContainerConfig(e, "pve3", 100, map[string]knownvalue.Check{
		"memory": knownvalue.Int64Exact(333),
		"tags":   knownvalue.StringExact("proximity;px-app-nginx;px-int-9100;px-pub-8100"),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(plantedIsUntouched),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100))},
			},
			{
				PreConfig: func() {
					ctx := context.Background()
					e.must(e.client.StopGuest(ctx, "pve3", 100))
					e.must(e.client.DeleteGuest(ctx, "pve3", 100))
					e.createGuest("pve3", 100, planted)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Replaced: the destroy releases the old pair and touches no guest.
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
					plantedIsUntouched,
				},
			},
		},
	})
}

// TestAccOneHostnameOneApp: two resources of one configuration with one
// hostname, and a second workspace with the hostname of an existing app, are
// refused; the existing app is not touched.
func TestAccOneHostnameOneApp(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	// A refused apply may leave an empty state, after which plugin-testing
	// runs no CheckDestroy: an empty configuration after each refusal is
	// where the cluster is checked.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(block, application("a", "nginx", "same"), application("b", "it-tools", "same")),
				ExpectError: errorLike(`(another application of this configuration also has the hostname "same"|the hostname "same" is already the application)`),
			},
			{
				// Nothing is left after the refused twins.
				Config:            config(block),
				ConfigStateChecks: []statecheck.StateCheck{expectGuestCount(e, 0)},
			},
			{
				// Another workspace's app "web" (a confirmed Proximity app: no
				// deploying mark); this configuration asks for "web" too.
				PreConfig: func() {
					e.createGuest("pve1", 150, plainContainer(pveclient.ContainerSettings{
						Hostname: "web", Unprivileged: ptr(true), Memory: 333,
						Tags: pveclient.ParseTags("proximity;px-app-nginx;px-id-0123456789ab;px-int-9150;px-pub-8150"),
					}))
				},
				Config:      config(block, application("web", "nginx", "web")),
				ExpectError: errorLike(`the hostname "web" is already the application nginx of CT 150 on pve1`),
			},
			{
				// Only the other workspace's app is there, as it was.
				Config: config(block),
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 150, map[string]knownvalue.Check{"memory": knownvalue.Int64Exact(333)}),
					expectGuestCount(e, 1),
				},
			},
		},
	})
}
