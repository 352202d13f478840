package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
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
// hostname, and a second workspace with the hostname of an app another
// workspace's apply created, are refused; the existing app is not touched.
// (Its create took its deploying mark off: before, the second workspace's
// create of the same app resumed it as an unfinished deployment.)
func TestAccOneHostnameOneApp(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	var other deploy.App
	var otherDigest string
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
				// Another workspace's apply created the app "web" (nginx);
				// this configuration asks for the same app under "web" too.
				PreConfig: func() {
					other = e.otherWorkspace(deploy.Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"})
					cfg, err := e.client.ContainerConfig(context.Background(), other.Node, other.VMID)
					e.must(err)
					otherDigest = cfg.Digest
				},
				Config:      config(block, application("web", "nginx", "web")),
				ExpectError: errorLike(`the hostname "web" is already the application nginx of CT \d+ on pve1; .*import it`),
			},
			{
				// Only the other workspace's app is there, as it was, with
				// its own pair alone in the table.
				Config:            config(block),
				ConfigStateChecks: []statecheck.StateCheck{expectGuestCount(e, 1), expectAllocationCount(e.allocationFile, 1)},
				Check: func(*terraform.State) error {
					cfg, err := e.client.ContainerConfig(context.Background(), other.Node, other.VMID)
					if err != nil || cfg.Digest != otherDigest || cfg.Hostname != "web" {
						return fmt.Errorf("the other workspace's CT %d: %+v, %v; want its config unchanged", other.VMID, cfg, err)
					}
					if st, err := e.client.GuestStatus(context.Background(), other.Node, other.VMID); err != nil || st.Status != "running" {
						return fmt.Errorf("the other workspace's CT %d: %+v, %v; want it running", other.VMID, st, err)
					}
					return nil
				},
			},
		},
	})
}
