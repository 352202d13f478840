package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// bootConfig checks the boot options of CT 150 on pve1 as PVE's config
// file holds them (nil: the option is not in the file).
func bootConfig(e *testEnv, onboot, startup, swap, protection knownvalue.Check) containerConfig {
	return expectContainerConfig(e, "pve1", 150, map[string]knownvalue.Check{
		"onboot": onboot, "startup": startup, "swap": swap, "protection": protection,
	})
}

// bootState checks the boot attributes in the state.
func bootState(res string, onboot bool, swap int64, protection bool, startup knownvalue.Check) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(res, tfjsonpath.New("onboot"), knownvalue.Bool(onboot)),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("swap"), knownvalue.Int64Exact(swap)),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("protection"), knownvalue.Bool(protection)),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("startup"), startup),
	}
}

func startupObject(order, up, down knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{"order": order, "up": up, "down": down})
}

// TestAccApplicationBootControls: vmid, onboot, startup, swap and
// protection are set at create (protection only once the create
// succeeded), read back, changed in place on the same container, imported,
// and a change out of band is drift that the plan shows and the apply
// puts back; the plan is empty after each apply.
func TestAccApplicationBootControls(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	created := application("web", "it-tools", "tools").str("node", "pve1").num("vmid", 150).
		set("onboot", "false").set("startup", "{ order = 2, up = 10 }").num("swap", 256).set("protection", "true")
	changed := application("web", "it-tools", "tools").str("node", "pve1").num("vmid", 150).
		set("startup", "{ order = 3, down = 20 }").num("swap", 1024)
	res := created.address()
	num := func(n int64) knownvalue.Check { return knownvalue.Int64Exact(n) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(block, created),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(bootState(res, false, 256, true, startupObject(num(2), num(10), knownvalue.Null())),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), num(150)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringExact("pve1/150")),
					bootConfig(e, num(0), knownvalue.StringExact("order=2,up=10"), num(256), num(1))),
			},
			{
				Config:           config(block, changed),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: append(bootState(res, true, 1024, false, startupObject(num(3), knownvalue.Null(), num(20))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), num(150)),
					bootConfig(e, num(1), knownvalue.StringExact("order=3,down=20"), num(1024), num(0))),
			},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true, ImportStateId: "pve1/150",
				ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers",
					"ssh_public_keys"},
			},
			{
				// Changed out of band: the plan shows each option going back.
				PreConfig: func() {
					e.must(e.client.UpdateContainerConfig(context.Background(), "pve1", 150, pveclient.ContainerConfigUpdate{
						Boot:   pveclient.BootOptions{OnBoot: ptr(false), Swap: ptr(768), Protection: ptr(true)},
						Delete: []string{"startup"},
					}))
				},
				Config: config(block, changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("swap"), num(1024)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("onboot"), knownvalue.Bool(true)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("protection"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					bootConfig(e, num(1), knownvalue.StringExact("order=3,down=20"), num(1024), num(0)),
				},
			},
			{
				// Leaving startup out removes the option.
				Config:           config(block, application("web", "it-tools", "tools").str("node", "pve1").num("vmid", 150)),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: append(bootState(res, true, 512, false, knownvalue.Null()),
					bootConfig(e, num(1), knownvalue.Null(), num(512), num(0))),
			},
			{
				// Deleted out of band: the replacement keeps the configured
				// vmid (the plan cannot make it unknown) and takes it again.
				PreConfig: func() {
					e.must(e.client.StopGuest(context.Background(), "pve1", 150))
					e.must(e.client.DeleteGuest(context.Background(), "pve1", 150))
				},
				Config: config(block, application("web", "it-tools", "tools").str("node", "pve1").num("vmid", 150)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionReplace),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), num(150)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), num(150)),
					bootConfig(e, num(1), knownvalue.Null(), num(512), knownvalue.Null()),
				},
			},
		},
	})
}

// TestAccApplicationProtectionRefusesDestroy: PVE refuses to destroy a
// protected container (pve-container API2/LXC.pm destroy_vm:
// check_protection, "can't remove CT N - protection mode enabled"). A
// destroy and a replacement then fail before anything is stopped, saying
// to set protection = false first; once that is applied, both work.
func TestAccApplicationProtectionRefusesDestroy(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	protected := application("web", "it-tools", "tools").str("node", "pve1").set("protection", "true")
	res := protected.address()
	advice := `CT 100 on pve1 has protection mode enabled.*Set protection = false and apply`
	stillRunning := func() {
		st, err := e.client.GuestStatus(context.Background(), "pve1", 100)
		e.must(err)
		if st.Status != "running" {
			e.t.Fatalf("CT 100 is %s after the refused destroy, want running: nothing may be stopped", st.Status)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config: config(block, protected),
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"protection": knownvalue.Int64Exact(1)}),
				},
			},
			{
				// PVE refuses a restore over it too (create_vm: check_protection).
				Config:      config(block, protected.str("restore_from", "local:backup/vzdump-lxc-100-2026_01_01-00_00_00.tar.zst")),
				PlanOnly:    true,
				ExpectError: errorLike(`CT 100 has protection mode enabled, and PVE refuses to restore a backup over a protected container`),
			},
			{Config: config(block, protected), Destroy: true, ExpectError: errorLike(advice)},
			{
				// A replacement (another vmid) destroys first: refused the same way.
				PreConfig:   stillRunning,
				Config:      config(block, protected.num("vmid", 151)),
				ExpectError: errorLike(advice),
			},
			{
				PreConfig:        stillRunning,
				Config:           config(block, protected.set("protection", "false")),
				ConfigPlanChecks: inPlaceChecks(res),
			},
			{
				Config: config(block, protected.set("protection", "false").num("vmid", 151)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(151))},
			},
		},
	})
}

// TestAccApplicationProtectionAfterFailedCreate: a create that fails after
// its container exists has not set protection yet, so the next apply
// replaces the tainted container (no orphan), and the finished create
// protects the new one.
func TestAccApplicationProtectionAfterFailedCreate(t *testing.T) {
	e := newSimEnv(t, "exec:apk=1|ERROR: unable to fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main")
	web := application("web", "nginx", "web").str("node", "pve1").set("protection", "true")
	cfg := config(rawHCL(e.appProvider()), web)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: errorLike(`unable to fetch`)},
			{
				PreConfig: func() {
					cfg, err := e.client.ContainerConfig(context.Background(), "pve1", 100)
					e.must(err)
					if cfg.Extra["protection"] != "" {
						e.t.Fatalf("the failed create protected CT 100 (protection: %s)", cfg.Extra["protection"])
					}
					e.must(e.sim.SetFaults(""))
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(web.address(), plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectOneRunningGuest(e),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("protection"), knownvalue.Bool(true)),
				},
			},
			{Config: cfg, Destroy: true, ExpectError: errorLike(`protection mode enabled`)},
			{Config: config(rawHCL(e.appProvider()), web.set("protection", "false"))},
		},
	})
}

// withVMIDRange adds vmid_range to a rendered provider block.
func withVMIDRange(provider string, from, to int) rawHCL {
	body := strings.TrimSuffix(strings.TrimSpace(provider), "}")
	return rawHCL(fmt.Sprintf("%s  vmid_range = { from = %d, to = %d }\n}\n", body, from, to))
}

// TestAccApplicationVMIDRange: the creates of one apply, run in parallel,
// take distinct VMIDs of the provider's range, skipping one another guest
// holds; a vmid set on an application wins over the range; a configured
// vmid that is taken fails the plan naming the guest that holds it, and a
// create with the range full fails naming vmid_range.
func TestAccApplicationVMIDRange(t *testing.T) {
	e := newSimEnv(t, "")
	e.createGuest("pve2", 1001, plainContainer(pveclient.ContainerSettings{Hostname: "someone-else"}))
	block := withVMIDRange(e.appProvider(), 1000, 1003)
	apps := []hclBlock{
		application("a", "it-tools", "tools-a").num("memory", 128),
		application("b", "it-tools", "tools-b").num("memory", 128),
		application("c", "it-tools", "tools-c").num("memory", 128),
	}
	chosen := application("d", "it-tools", "tools-d").num("memory", 128).num("vmid", 2000)
	vmids := make([]knownvalue.Check, 0, 3)
	for range apps {
		vmids = append(vmids, knownvalue.Int64Func(func(v int64) error {
			if v != 1000 && v != 1002 && v != 1003 {
				return fmt.Errorf("VMID %d is not a free one of 1000-1003 (1001 is taken)", v)
			}
			return nil
		}))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		// The other guest stays; nothing of the apps does.
		CheckDestroy: destroyed(expectGuestCount(e, 1), expectAllocationCount(e.allocationFile, 0)),
		Steps: []resource.TestStep{
			{
				Config: config(block, apps[0], apps[1], apps[2], chosen),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(apps[0].address(), tfjsonpath.New("vmid"), vmids[0]),
					statecheck.ExpectKnownValue(apps[1].address(), tfjsonpath.New("vmid"), vmids[1]),
					statecheck.ExpectKnownValue(apps[2].address(), tfjsonpath.New("vmid"), vmids[2]),
					distinctVMIDs{addresses: []string{apps[0].address(), apps[1].address(), apps[2].address()}},
					statecheck.ExpectKnownValue(chosen.address(), tfjsonpath.New("vmid"), knownvalue.Int64Exact(2000)),
				},
			},
			{
				Config:      config(block, apps[0], apps[1], apps[2], chosen, application("e", "it-tools", "tools-e").num("vmid", 1001)),
				PlanOnly:    true,
				ExpectError: errorLike(`VMID 1001 is already taken by the container "someone-else" on pve2`),
			},
			{
				Config:      config(block, apps[0], apps[1], apps[2], chosen, application("f", "it-tools", "tools-f").num("memory", 128)),
				ExpectError: errorLike(`every VMID of the range 1000-1003 is taken; widen vmid_range`),
			},
		},
	})
}

// distinctVMIDs holds when the applications at addresses have VMIDs that
// differ from each other.
type distinctVMIDs struct{ addresses []string }

var _ simFact = distinctVMIDs{}

func (c distinctVMIDs) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c distinctVMIDs) verify(_ context.Context, view *stateView) error {
	seen := map[string]string{}
	for _, address := range c.addresses {
		v, err := view.attribute(address, "vmid")
		if err != nil {
			return err
		}
		key := fmt.Sprint(v)
		if other, ok := seen[key]; ok {
			return fmt.Errorf("%s and %s both have VMID %s", other, address, key)
		}
		seen[key] = address
	}
	return nil
}

// TestAccApplicationVMIDTakenAfterGone: an app whose configured VMID PVE
// gave to another guest after the app's container was deleted out of band
// cannot be replaced under it: the plan says which guest holds it, and
// that guest is never touched; without vmid the replacement takes another.
func TestAccApplicationVMIDTakenAfterGone(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "it-tools", "tools").str("node", "pve1").num("vmid", 150)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             destroyed(expectGuestCount(e, 1), expectAllocationCount(e.allocationFile, 0)),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig: func() {
					e.must(e.client.StopGuest(context.Background(), "pve1", 150))
					e.must(e.client.DeleteGuest(context.Background(), "pve1", 150))
					e.createGuest("pve2", 150, plainContainer(pveclient.ContainerSettings{Hostname: "newcomer"}))
				},
				Config:      config(block, web),
				PlanOnly:    true,
				ExpectError: errorLike(`VMID 150 is already taken by the container "newcomer" on pve2`),
			},
			{
				Config: config(block, application("web", "it-tools", "tools").str("node", "pve1")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("proximity_application.web", tfjsonpath.New("vmid"), knownvalue.Int64Func(func(v int64) error {
						if v == 150 {
							return fmt.Errorf("the replacement took VMID 150, the other guest's")
						}
						return nil
					})),
					expectGuestCount(e, 2),
				},
			},
		},
	})
}
