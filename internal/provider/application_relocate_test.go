package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// The marker a test writes in the container before it moves: data the
// move must keep.
const (
	markerFile    = "/root/relocate-marker"
	markerContent = "written before the move"
)

// relocatedChecks are the facts every move keeps: the same VMID, ports and
// data, the app running, and the state's id naming where it now is.
func relocatedChecks(e *testEnv, app hclBlock, node string, same []statecheck.StateCheck) []statecheck.StateCheck {
	return append([]statecheck.StateCheck{
		statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("node"), knownvalue.StringExact(node)),
		statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("id"), knownvalue.StringExact(node+"/100")),
		statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("status"), knownvalue.StringExact(statusRunning)),
		expectContainerFile(e, 100, markerFile, markerContent),
		expectOneRunningGuest(e),
		expectGuestCount(e, 1),
	}, same...)
}

// keptValues compares vmid and the ports across the steps of a test.
func keptValues(app hclBlock) (func() []statecheck.StateCheck, []statecheck.StateCheck) {
	vmid := statecheck.CompareValue(compare.ValuesSame())
	public := statecheck.CompareValue(compare.ValuesSame())
	internal := statecheck.CompareValue(compare.ValuesSame())
	checks := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			vmid.AddStateValue(app.address(), tfjsonpath.New("vmid")),
			public.AddStateValue(app.address(), tfjsonpath.New("public_port")),
			internal.AddStateValue(app.address(), tfjsonpath.New("internal_port")),
		}
	}
	return checks, checks()
}

// TestAccApplicationMigratesInPlace: a change of node migrates the
// container in PVE's restart mode (pve-container API2/LXC.pm migrate_vm,
// LXC/Migrate.pm) instead of replacing the app: the plan is an update
// with id unknown, and after it the app runs on the new node with its
// VMID, ports and data, and plans empty. A change of node and storage at
// once copies the root disk straight to the new storage (target-storage).
// Before, a node change planned a replacement: a new, empty container.
func TestAccApplicationMigratesInPlace(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	_, code, err := e.onNode("pve1", "pvesm add dir fast --path /srv/fast --content rootdir")
	if err != nil || code != 0 {
		t.Fatalf("pvesm add: exit %d, %v", code, err)
	}
	web := application("web", "nginx", "web").str("node", "pve1").str("storage", "local-lvm").num("memory", 128)
	onPVE2 := web.str("node", "pve2")
	onPVE3Fast := web.str("node", "pve3").str("storage", "fast")
	kept, first := keptValues(web)
	update := func(app hclBlock) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(app.address(), plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(app.address(), tfjsonpath.New("id")),
			},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(rawHCL(e.appProvider()), web), ConfigStateChecks: first},
			{
				PreConfig:        func() { e.must(e.writeMarker(100)) },
				Config:           config(rawHCL(e.appProvider()), onPVE2),
				ConfigPlanChecks: update(onPVE2),
				ConfigStateChecks: relocatedChecks(e, onPVE2, "pve2", append(kept(),
					expectOperationSteps(web, "0002", `^migrate: ok in \d+ ms: CT 100 from pve1 to pve2 \(restart mode\)$`))),
			},
			{
				Config:           config(rawHCL(e.appProvider()), onPVE3Fast),
				ConfigPlanChecks: update(onPVE3Fast),
				ConfigStateChecks: relocatedChecks(e, onPVE3Fast, "pve3", append(kept(),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("storage"), knownvalue.StringExact("fast")),
					expectContainerConfig(e, "pve3", 100, map[string]knownvalue.Check{
						"rootfs": knownvalue.StringRegexp(regexp.MustCompile(`^fast:100/vm-100-disk-0\.raw,`)),
						"lock":   knownvalue.Null(),
					}),
					expectOperationSteps(web, "0003", `^migrate: ok in \d+ ms: CT 100 from pve2 to pve3 \(restart mode\), root disk to storage fast$`))),
			},
		},
	})
}

// TestAccApplicationMovesRootDiskInPlace: a change of storage moves the
// root disk (move_volume with delete=1; PVE moves no volume of a running
// container, $move_to_storage_checks: so the app is stopped, moved and
// started) instead of replacing the app; the old volume is gone, nothing
// is left as unusedN. Before, it planned a replacement.
func TestAccApplicationMovesRootDiskInPlace(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	_, code, err := e.onNode("pve1", "pvesm add dir fast --path /srv/fast --content rootdir")
	if err != nil || code != 0 {
		t.Fatalf("pvesm add: exit %d, %v", code, err)
	}
	web := application("web", "nginx", "web").str("node", "pve1").str("storage", "local-lvm").num("memory", 128)
	onFast := web.str("storage", "fast")
	kept, first := keptValues(web)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(rawHCL(e.appProvider()), web), ConfigStateChecks: first},
			{
				PreConfig: func() { e.must(e.writeMarker(100)) },
				Config:    config(rawHCL(e.appProvider()), onFast),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(onFast.address(), plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: relocatedChecks(e, onFast, "pve1", append(kept(),
					statecheck.ExpectKnownValue(web.address(), tfjsonpath.New("storage"), knownvalue.StringExact("fast")),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"rootfs":  knownvalue.StringRegexp(regexp.MustCompile(`^fast:100/vm-100-disk-0\.raw,`)),
						"unused0": knownvalue.Null(),
					}),
					expectOperationSteps(web, "0002", `^stop: ok`, `^move root disk: ok in \d+ ms: from storage local-lvm to fast$`, `^start: ok`))),
			},
		},
	})
}

// TestAccApplicationPlanRefusesRelocation: a move PVE cannot make, or after
// which the app could not run, fails the plan on its attribute before
// anything stops: a storage without content rootdir (alloc_disk would die
// in the task after the shutdown), a node not in the cluster, one without
// the memory the app needs, one without the app's bridge (PVE's migration
// checks neither; the start on the target would fail).
func TestAccApplicationPlanRefusesRelocation(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	web := application("web", "nginx", "web").str("node", "pve1").num("memory", 128)
	refused := func(app hclBlock, want string) resource.TestStep {
		return resource.TestStep{Config: config(rawHCL(e.appProvider()), app), PlanOnly: true, ExpectError: errorLike(want)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(rawHCL(e.appProvider()), web)},
			refused(web.str("storage", "local"), `The application cannot move there .* storage local on pve1 cannot hold the root disk: .* `+
				`storages of pve1 that do: local-lvm`),
			refused(web.str("node", "pve9"), `Unknown node .* node "pve9" is not in the cluster`),
			refused(web.str("node", "pve2").num("memory", 1<<24), `node pve2 has \d+ MB of memory free, and the app needs 16777216 MB`),
			refused(web.str("node", "pve2").str("storage", "local"), `storage local on pve2 cannot hold the root disk`),
			{Config: config(rawHCL(e.appProvider()), web), ConfigStateChecks: []statecheck.StateCheck{expectOneRunningGuest(e)}},
		},
	})
	if st := e.sim.Stats(); st.Tasks["vzmigrate"] != 0 || st.Tasks["move_volume"] != 0 {
		t.Errorf("the refused plans moved the container: %v", st.Tasks)
	}
}

// expectOperationSteps checks the first steps of one operation of the
// app's deployment_log ("0001" is the create): a move is one operation,
// whose steps begin with the move's own (the first update after a create
// then also takes the px-deploying mark off, an "update config" step).
func expectOperationSteps(app hclBlock, operation string, steps ...string) statecheck.StateCheck {
	checks := map[int]knownvalue.Check{}
	for i, s := range steps {
		checks[i] = knownvalue.StringRegexp(regexp.MustCompile(s))
	}
	return statecheck.ExpectKnownValue(app.address(), tfjsonpath.New("deployment_log").AtMapKey(operation).AtMapKey("steps"),
		knownvalue.ListPartial(checks))
}

// writeMarker writes the marker file in a container, wherever it runs.
func (e *testEnv) writeMarker(vmid int) error {
	node, err := e.guestNode(e.t.Context(), vmid)
	if err != nil {
		return err
	}
	_, err = e.inContainer(node, vmid, "printf '%s' '"+markerContent+"' > "+markerFile)
	return err
}

// TestAccMigrationNeedsVMMigrate: migrate_vm checks VM.Migrate on the guest
// (pve-container API2/LXC.pm), so with the README's roles less VM.Migrate
// a change of node fails at plan, naming it on /vms/100, while other
// changes plan as before; with it, the plan goes through.
func TestAccMigrationNeedsVMMigrate(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	block := rawHCL(e.appProvider(withAPIToken(e.minimalToken())))
	web := application("web", "nginx", "web").str("node", "pve1").num("memory", 128)
	withoutMigrate := func() {
		e.pveumOK(`pveum role modify ProximityVMs --privs "VM.Allocate,VM.Audit,VM.Backup,VM.Config.CPU,VM.Config.Disk,VM.Config.Memory,` +
			`VM.Config.Network,VM.Config.Options,VM.PowerMgmt"`)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig:   withoutMigrate,
				Config:      config(block, web.str("node", "pve2")),
				PlanOnly:    true,
				ExpectError: missingPrivilegePattern("/vms/100", "VM.Migrate", "ProximityVMs"),
			},
			{Config: config(block, web.num("memory", 256)), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				PreConfig: func() { e.pveumOK(`pveum role modify ProximityVMs --privs VM.Migrate --append 1`) },
				Config:    config(block, web.str("node", "pve2")), PlanOnly: true, ExpectNonEmptyPlan: true,
			},
		},
	})
}
