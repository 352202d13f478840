package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccApplicationImportPlainContainer imports a container Proximity did
// not create; the configuration's catalog_id then deploys the app into it in
// place, keeping its VMID, and destroy leaves nothing behind.
func TestAccApplicationImportPlainContainer(t *testing.T) {
	e := newSimEnv(t, "")
	ctx := context.Background()
	legacyCT := plainContainer(pveclient.ContainerSettings{
		Hostname: "legacy", Memory: 64, Cores: 1, Unprivileged: ptr(true), Tags: pveclient.Tags{"homelab"},
		Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
		Features: &pveclient.ContainerFeatures{Nesting: ptr(true)},
	})
	legacyCT.RootFS.Volume = "local-lvm:4"
	e.must(e.client.CreateContainer(ctx, "pve1", 200, legacyCT, nil))
	e.must(e.client.StartGuest(ctx, "pve1", 200))
	legacy := application("legacy", "it-tools", "legacy").set("tags", `["homelab"]`)
	// The import runs first, in a working directory of its own: it needs the
	// provider's source spelled out.
	cfg := config(rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
`), rawHCL(e.appProvider()), legacy)
	res := legacy.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: cfg, ResourceName: res, ImportState: true, ImportStateId: "pve1/200", ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["catalog_id"] != "" || states[0].Attributes["memory"] != "64" ||
						states[0].Attributes["hostname"] != "legacy" {
						return fmt.Errorf("imported %+v", states)
					}
					return nil
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("memory"), knownvalue.Int64Exact(128)),
						plancheck.ExpectUnknownValue(res, tfjsonpath.New("public_port")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(200)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://(\d+\.){3}\d+:80$`))),
					expectOperations(res, 1, "take over"),
					expectStep(res, 1, 0, "allocate ports", ""),
					// The takeover gives the container an identity of its own.
					expectContainerConfig(e, "pve1", 200, map[string]knownvalue.Check{
						"tags":   knownvalue.StringRegexp(regexp.MustCompile(`^homelab;proximity;px-app-it-tools;px-id-[0-9a-f]{12};px-int-9100;px-pub-8100$`)),
						"memory": knownvalue.Int64Exact(128),
					}),
					// The app runs in the container.
					expectInContainer(e, 200, "docker compose -p it-tools ps --format json", containing(`"State":"running"`)),
				},
			},
		},
	})
}
