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

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccReusedVMIDIsNotTheApp: the app's container is deleted out of band
// and PVE gives its VMID to the next guest, here one that even carries the
// app's Proximity tags and ports. The plan must not take it for the app: the
// app is created anew elsewhere, and neither that apply nor the destroy
// touches the other guest. (A guest that also took the app's hostname makes
// the create refuse instead: TestAccOneHostnameOneApp.)
func TestAccReusedVMIDIsNotTheApp(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	client := simClient(t, sim)
	config := block + `
resource "proximity_application" "web" {
  catalog_id = "nginx"
  hostname   = "web"
}
`
	const res = "proximity_application.web"
	planted := map[string]any{
		"ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", "hostname": "someone-else", "rootfs": "local-lvm:2",
		"unprivileged": 1, "memory": 333, "tags": "proximity;px-app-nginx;px-int-9100;px-pub-8100",
	}
	plantedIsUntouched := func() error {
		cfg, err := client.GuestConfig(context.Background(), "pve3", 100)
		if err != nil {
			return fmt.Errorf("the other guest is gone: %v", err)
		}
		if cfg.Int("memory") != 333 || cfg.String("tags") != "proximity;px-app-nginx;px-int-9100;px-pub-8100" {
			return fmt.Errorf("the other guest was changed: memory %d, tags %s", cfg.Int("memory"), cfg.String("tags"))
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             func(*terraform.State) error { return plantedIsUntouched() },
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100))},
			},
			{
				PreConfig: func() {
					ctx := context.Background()
					if err := client.StopGuest(ctx, "pve3", 100); err != nil {
						t.Fatal(err)
					}
					if err := client.DeleteGuest(ctx, "pve3", 100); err != nil {
						t.Fatal(err)
					}
					createGuestOutOfBand(t, client, "pve3", 100, planted)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(101))},
				Check:             func(*terraform.State) error { return plantedIsUntouched() },
			},
		},
	})
}

// TestAccOneHostnameOneApp: two resources of one configuration with one
// hostname, and a second workspace with the hostname of an existing app, are
// refused; the existing app is not touched.
func TestAccOneHostnameOneApp(t *testing.T) {
	sim := newSim(t, "")
	block, _ := appProviderBlock(t, sim)
	client := simClient(t, sim)
	twins := block + `
resource "proximity_application" "a" {
  catalog_id = "nginx"
  hostname   = "same"
}
resource "proximity_application" "b" {
  catalog_id = "it-tools"
  hostname   = "same"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      twins,
			ExpectError: errorLike(`(another application of this configuration also has the hostname "same"|the hostname "same" is already the application)`),
		}},
	})
	guests, _ := client.ClusterGuests(context.Background())
	if len(guests) != 0 {
		t.Errorf("%d containers left after the refused twins", len(guests))
	}

	// Another workspace's app "web" (a confirmed Proximity app: no
	// deploying mark); this configuration asks for "web" too.
	createGuestOutOfBand(t, client, "pve1", 150, map[string]any{
		"ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", "hostname": "web", "rootfs": "local-lvm:2",
		"unprivileged": 1, "memory": 333, "tags": "proximity;px-app-nginx;px-id-0123456789ab;px-int-9150;px-pub-8150",
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      block + "resource \"proximity_application\" \"web\" {\n  catalog_id = \"nginx\"\n  hostname = \"web\"\n}\n",
			ExpectError: errorLike(`the hostname "web" is already the application nginx of CT 150 on pve1`),
		}},
	})
	cfg, err := client.GuestConfig(context.Background(), "pve1", 150)
	if err != nil || cfg.Int("memory") != 333 {
		t.Errorf("the other workspace's app: %v %v", cfg, err)
	}
	if guests, _ := client.ClusterGuests(context.Background()); len(guests) != 1 {
		t.Errorf("%d containers, want only the other workspace's", len(guests))
	}
}

// createGuestOutOfBand makes a container through the API, as someone else
// would, and waits for it.
func createGuestOutOfBand(t *testing.T, client *pveclient.Client, node string, vmid int, options map[string]any) {
	t.Helper()
	upid, err := client.StartCreateGuest(context.Background(), node, vmid, options)
	if err == nil {
		_, err = client.WaitTask(context.Background(), upid)
	}
	if err != nil {
		t.Fatal(err)
	}
}
