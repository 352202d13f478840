package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestAccTakeOverEnablesNesting imports two containers without nesting=1:
// an unprivileged one whose keyctl=1 only root could set, which gets
// nesting through the API (VM.Allocate; its other flags unchanged, so PVE
// allows it), and a privileged one, whose feature flags are root@pam's
// alone (check_ct_modify_config_perm), which gets it with pct set over SSH.
// Both deploy, and the apply's log says so.
func TestAccTakeOverEnablesNesting(t *testing.T) {
	e := newSimEnv(t, "")
	ctx := context.Background()
	net0 := map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}}
	e.must(e.client.CreateContainer(ctx, "pve1", 200, plainContainer(pveclient.ContainerSettings{
		Hostname: "plain", Memory: 128, Cores: 1, Unprivileged: ptr(true), Networks: net0,
	}), nil))
	if out, code, err := e.onNode("pve1", "pct set 200 --features keyctl=1"); err != nil || code != 0 {
		t.Fatalf("pct set: exit %d %v %s", code, err, out)
	}
	e.must(e.client.CreateContainer(ctx, "pve1", 201, plainContainer(pveclient.ContainerSettings{
		Hostname: "privileged", Memory: 128, Cores: 1, Networks: net0,
	}), nil))
	e.must(e.client.StartGuest(ctx, "pve1", 200))
	plain := application("plain", "it-tools", "plain")
	privileged := application("privileged", "it-tools", "privileged")
	cfg := config(rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
`), rawHCL(e.appProvider()), plain, privileged)
	nestingStep := func(res string, index int) statecheck.StateCheck {
		return expectStep(res, 1, index, "enable nesting", "")
	}
	var steps []resource.TestStep
	for vmid, res := range map[int]string{200: plain.address(), 201: privileged.address()} {
		steps = append(steps, resource.TestStep{
			Config: cfg, ResourceName: res, ImportState: true, ImportStateId: fmt.Sprintf("pve1/%d", vmid), ImportStatePersist: true,
		})
	}
	steps = append(steps, resource.TestStep{
		Config: cfg,
		ConfigStateChecks: []statecheck.StateCheck{
			// allocate ports, record the app, then nesting before the start.
			nestingStep(plain.address(), 2),
			nestingStep(privileged.address(), 2),
			expectContainerConfig(e, "pve1", 200, map[string]knownvalue.Check{"features": knownvalue.StringExact("keyctl=1,nesting=1")}),
			expectContainerConfig(e, "pve1", 201, map[string]knownvalue.Check{"features": knownvalue.StringExact("nesting=1")}),
			expectInContainer(e, 200, "docker compose -p it-tools ps --format json", containing(`"State":"running"`)),
		},
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: providerFactories, CheckDestroy: e.nothingLeft(), Steps: steps})
}
