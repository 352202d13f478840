package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The attributes that change in place (issue 16): each change is an update
// of the same container (same VMID), visible in PVE or inside, with the data
// written before it still there, an empty plan after it, and import and
// destroy as before. On the old code each planned a replacement.

// inPlaceChecks are the plan checks of a step that changes res in place.
func inPlaceChecks(res string) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

// writeData leaves a file in CT 100 that a replacement would lose.
func writeData(e *testEnv) func() {
	return func() {
		node, err := e.guestNode(context.Background(), 100)
		e.must(err)
		_, err = e.inContainer(node, 100, "echo kept > /root/data")
		e.must(err)
	}
}

// importVerify imports res as pve1/100 and compares it with the state, but
// for what the container does not record (secrets, the template it came
// from, the log, the keys).
func importVerify(res string) resource.TestStep {
	return resource.TestStep{
		ResourceName: res, ImportState: true, ImportStateVerify: true, ImportStateId: "pve1/100",
		ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers",
			"ssh_public_keys"},
	}
}

// TestAccApplicationHostnameInPlace renames a running app: PVE changes the
// config at once (hostname is a fast-plug option, pve-container
// src/PVE/LXC/Config.pm vmconfig_hotplug_pending), and the provider renames
// the running system as PVE's next start would (PVE::LXC::Setup::Base
// set_hostname). The old name is then free: a new app of that name is a new
// container; a rename to a name another app has is refused.
func TestAccApplicationHostnameInPlace(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "it-tools", "tools").str("node", "pve1")
	renamed := web.str("hostname", "tools2")
	newcomer := application("newcomer", "it-tools", "tools").str("node", "pve1")
	res := web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig:        writeData(e),
				Config:           config(block, renamed),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("hostname"), knownvalue.StringExact("tools2")),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"hostname": knownvalue.StringExact("tools2")}),
					expectInContainer(e, 100, "hostname; cat /etc/hostname", knownvalue.StringExact("tools2\ntools2")),
					expectContainerFile(e, 100, "/root/data", "kept"),
				},
			},
			{
				// The old name is free for a new application, which gets its
				// own container and pair.
				Config:           config(block, renamed, newcomer),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(newcomer.address(), tfjsonpath.New("vmid"), knownvalue.Int64Exact(101)),
					statecheck.CompareValuePairs(res, tfjsonpath.New("public_port"), newcomer.address(), tfjsonpath.New("public_port"),
						compare.ValuesDiffer()),
					expectAllocationCount(e.allocationFile, 2),
				},
			},
			{
				// Refused at plan time: the cluster says who has the name.
				Config:      config(block, web, newcomer),
				PlanOnly:    true,
				ExpectError: errorLike(`hostname "tools" is already the application it-tools of CT 101`),
			},
			{
				Config: config(block, renamed),
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"hostname": knownvalue.StringExact("tools2")}),
				},
			},
			importVerify(res),
		},
	})
}

// TestAccApplicationSSHKeysInPlace changes root's keys in place. PVE takes
// ssh-public-keys only at create and writes them into a marked section of
// authorized_keys (PVE::LXC::Setup::Base set_user_authorized_ssh_keys,
// ct_modify_file); the provider rewrites that section in the running
// container, keeps a key added outside it, refuses a change while the app is
// to be stopped, and removes the section when the attribute goes.
func TestAccApplicationSSHKeysInPlace(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	key1, key2 := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey1 one", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey2 two"
	web := application("web", "it-tools", "tools").str("node", "pve1")
	res := web.address()
	section := func(key string) string { return "# --- BEGIN PVE ---\n" + key + "\n# --- END PVE ---" }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config:            config(block, web.str("ssh_public_keys", key1)),
				ConfigStateChecks: []statecheck.StateCheck{expectContainerFile(e, 100, "/root/.ssh/authorized_keys", section(key1))},
			},
			{
				PreConfig: func() {
					writeData(e)()
					_, err := e.inContainer("pve1", 100, "echo 'ssh-rsa AAAAB3NzaC1yc2E user@laptop' >> /root/.ssh/authorized_keys")
					e.must(err)
				},
				Config:           config(block, web.str("ssh_public_keys", key2)),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					expectContainerFile(e, 100, "/root/.ssh/authorized_keys", section(key2)+"\nssh-rsa AAAAB3NzaC1yc2E user@laptop"),
					expectInContainer(e, 100, "stat -c %a /root/.ssh /root/.ssh/authorized_keys", knownvalue.StringExact("700\n600")),
					expectContainerFile(e, 100, "/root/data", "kept"),
				},
			},
			{
				Config:      config(block, web.str("ssh_public_keys", key1).str("status", "stopped")),
				ExpectError: regexp.MustCompile(`A stopped application cannot change its SSH keys`),
			},
			{
				Config:           config(block, web),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerFile(e, 100, "/root/.ssh/authorized_keys", "ssh-rsa AAAAB3NzaC1yc2E user@laptop"),
				},
			},
			importVerify(res),
		},
	})
}

// TestAccApplicationBridgeInPlace moves the app to another bridge: PVE
// hot-plugs net0 of the running container (pve-container src/PVE/LXC.pm
// update_net), which keeps its MAC address and name.
func TestAccApplicationBridgeInPlace(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "it-tools", "tools").str("node", "pve1")
	res := web.address()
	var mac string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig: func() {
					writeData(e)()
					cfg, err := e.client.ContainerConfig(context.Background(), "pve1", 100)
					e.must(err)
					mac = cfg.Networks[0].HWAddr
					_, code, err := e.onNode("pve1", `printf '\nauto vmbr1\niface vmbr1 inet manual\n\tbridge-ports none\n' >> /etc/network/interfaces`)
					e.must(err)
					if code != 0 {
						e.must(fmt.Errorf("adding vmbr1: exit %d", code))
					}
				},
				Config:           config(block, web.str("bridge", "vmbr1")),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"net0": net0Like{bridge: "vmbr1", mac: &mac}}),
					expectContainerFile(e, 100, "/root/data", "kept"),
				},
			},
			importVerify(res),
		},
	})
}

// net0Like checks that a net0 option names a bridge, the MAC address taken
// before, and eth0.
type net0Like struct {
	bridge string
	mac    *string
}

func (n net0Like) CheckValue(v any) error {
	s, _ := v.(string)
	for _, want := range []string{"name=eth0", "bridge=" + n.bridge, "hwaddr=" + *n.mac} {
		if !strings.Contains(","+s+",", ","+want+",") {
			return fmt.Errorf("net0 %q lacks %s", s, want)
		}
	}
	return nil
}

func (n net0Like) String() string { return "net0 on " + n.bridge + " with " + *n.mac }

// TestAccApplicationPortAllocationInPlace moves an app onto the pair of a
// proximity_port_allocation and back: the ports live in the container's
// tags and the allocation table only, so the tags are rewritten, the app's
// own pair is released after the switch, and going back allocates a new own
// pair. A pair another app records is refused before anything changes.
func TestAccApplicationPortAllocationInPlace(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	pair := portAllocation("pair").str("owner", "shared")
	web := application("web", "it-tools", "tools").str("node", "pve1")
	onPair := web.set("port_allocation_id", "proximity_port_allocation.pair.id")
	other := application("other", "it-tools", "other").str("node", "pve1").set("port_allocation_id", "proximity_port_allocation.pair.id")
	res := web.address()
	samePorts := func(a, b string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.CompareValuePairs(a, tfjsonpath.New("public_port"), b, tfjsonpath.New("public_port"), compare.ValuesSame()),
			statecheck.CompareValuePairs(a, tfjsonpath.New("internal_port"), b, tfjsonpath.New("internal_port"), compare.ValuesSame()),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, pair, web), ConfigStateChecks: []statecheck.StateCheck{expectAllocationCount(e.allocationFile, 2)}},
			{
				PreConfig:        writeData(e),
				Config:           config(block, pair, onPair),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: append(samePorts(res, pair.address()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("allocation_id"), knownvalue.Null()),
					expectAllocationCount(e.allocationFile, 1), // the app's own pair is released
					expectContainerFile(e, 100, "/root/data", "kept"),
				),
			},
			{
				Config:           config(block, pair, web),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("allocation_id"), knownvalue.NotNull()),
					statecheck.CompareValuePairs(res, tfjsonpath.New("public_port"), pair.address(), tfjsonpath.New("public_port"),
						compare.ValuesDiffer()),
					expectAllocationCount(e.allocationFile, 2),
					expectContainerFile(e, 100, "/root/data", "kept"),
				},
			},
			importVerify(res),
			{Config: config(block, pair, web, other), ConfigStateChecks: samePorts(other.address(), pair.address())},
			{
				// Refused at plan time: another container records the pair.
				Config:      config(block, pair, onPair, other),
				PlanOnly:    true,
				ExpectError: errorLike(`ports cannot move to port allocation pa-[0-9a-f]+: public port \d+ or internal port \d+ is already recorded on CT 101`),
			},
		},
	})
}
