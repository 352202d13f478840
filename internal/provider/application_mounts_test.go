package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

const (
	dataVolume = `{ path = "/data", size_gb = %d, backup = true }`
	mediaBind  = `{ path = "/media", host_path = "/srv/media", read_only = true }`
	gpu        = `[{ path = "/dev/dri/renderD128", gid = 44, mode = "0660" }]`
)

// TestAccApplicationMountPoints creates an app with a volume (in backups),
// a bind mount (pct set as root over SSH) and a GPU device, reads them back,
// grows the volume, adds and removes mount points in place (the running
// container restarts for the removal, which PVE applies only at a start),
// imports the app, puts back a mount point added out of band, and refuses
// a shrink and bad paths at plan time.
func TestAccApplicationMountPoints(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	app := application("media", "it-tools", "media").str("node", "pve1")
	with := func(mounts, devices string) string {
		b := app.set("mount_points", mounts)
		if devices != "" {
			b = b.set("devices", devices)
		}
		return config(block, b)
	}
	res := app.address()
	num := func(n int64) knownvalue.Check { return knownvalue.Int64Exact(n) }
	mp := func(i int, name string) tfjsonpath.Path {
		return tfjsonpath.New("mount_points").AtSliceIndex(i).AtMapKey(name)
	}
	inPlace := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	volume := regexp.MustCompile(`^local-lvm:vm-100-disk-1,mp=/data,backup=1,size=`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: with(`[{ path = "/", size_gb = 1 }]`, ""), PlanOnly: true, ExpectError: errorLike(`root disk's place`)},
			{Config: with(`[{ path = "/data/../etc", size_gb = 1 }]`, ""), PlanOnly: true, ExpectError: errorLike(`illegal character sequences`)},
			{Config: with(`[{ path = "/data" }]`, ""), PlanOnly: true, ExpectError: errorLike(`a volume needs size_gb of at least 1`)},
			{Config: with(`[{ path = "/a", size_gb = 1 }, { path = "/a/", host_path = "/srv" }]`, ""), PlanOnly: true,
				ExpectError: errorLike(`mount point 0's path too`)},
			{Config: with(`[{ path = "/m", host_path = "srv" }]`, ""), PlanOnly: true, ExpectError: errorLike(`"srv" is not an absolute path`)},
			{Config: with(`[{ path = "/m", host_path = "/srv", backup = true }]`, ""), PlanOnly: true, ExpectError: errorLike(`a bind mount has no backup`)},
			{Config: with(`[{ path = "/m", size_gb = 1, storage = "local" }]`, ""), PlanOnly: true, ExpectError: errorLike(`does not take container volumes`)},
			{Config: with(`[]`, `[{ path = "/tmp/gpu" }]`), PlanOnly: true, ExpectError: errorLike(`not a valid device path`)},
			{Config: with(`[`+mediaBind+`]`, ""), PlanOnly: true, ExpectError: errorLike(`/srv/media is no directory on pve1`)},
			{
				// PVE mounts a bind mount's directory at the start: it must exist.
				PreConfig: func() { onNodeMust(t, e, "pve1", "mkdir -p /srv/media /srv/other") },
				Config:    with(`[`+fmt.Sprintf(dataVolume, 2)+`, `+mediaBind+`]`, gpu),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, mp(0, "storage"), knownvalue.StringExact("local-lvm")),
					statecheck.ExpectKnownValue(res, mp(0, "size_gb"), num(2)),
					statecheck.ExpectKnownValue(res, mp(1, "storage"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, mp(1, "host_path"), knownvalue.StringExact("/srv/media")),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"mp0":  knownvalue.StringExact("local-lvm:vm-100-disk-1,mp=/data,backup=1,size=2G"),
						"mp1":  knownvalue.StringExact("/srv/media,mp=/media,ro=1"),
						"dev0": knownvalue.StringExact("/dev/dri/renderD128,gid=44,mode=0660"),
					}),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Migration.pm's prepare refuses a local bind mount: said at plan time.
				Config: config(block, app.str("node", "pve2").set("mount_points", `[`+fmt.Sprintf(dataVolume, 2)+`, `+mediaBind+`]`).
					set("devices", gpu)),
				PlanOnly: true, ExpectError: errorLike(`local bind mount point mp1 \(/srv/media\), which PVE does not migrate`),
			},
			{
				// Grown in place; the bind mount goes (at the next start, so the
				// apply restarts the container) and a volume on the root disk's
				// storage comes (hot-plugged, as mp2: mp1 is still taken).
				Config:           with(`[`+fmt.Sprintf(dataVolume, 3)+`, { path = "/cache", size_gb = 1 }]`, gpu),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, mp(1, "storage"), knownvalue.StringExact("local-lvm")),
					statecheck.ExpectKnownValue(res, mp(1, "backup"), knownvalue.Bool(false)),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"mp0": knownvalue.StringExact("local-lvm:vm-100-disk-1,mp=/data,backup=1,size=3G"),
						"mp1": knownvalue.Null(), // removed from the current config: the container restarted
						"mp2": knownvalue.StringExact("local-lvm:vm-100-disk-2,mp=/cache,backup=0,size=1G"),
					}),
				},
			},
			{
				// A removed volume stays, detached, with its data.
				Config:           with(`[`+fmt.Sprintf(dataVolume, 3)+`]`, ""),
				ConfigPlanChecks: inPlace,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("devices"), knownvalue.Null()),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"mp0": knownvalue.StringRegexp(volume), "mp2": knownvalue.Null(), "dev0": knownvalue.Null(),
						"unused0": knownvalue.StringExact("local-lvm:vm-100-disk-2"),
					}),
				},
			},
			{Config: with(`[`+fmt.Sprintf(dataVolume, 2)+`]`, ""), PlanOnly: true, ExpectError: errorLike(`Volumes cannot shrink`)},
			{
				ResourceName: res, ImportState: true, ImportStateVerify: true, ImportStateId: "pve1/100",
				ImportStateVerifyIgnore: []string{"environment", "password", "deployment_log", "template", "timeouts", "restart_triggers",
					"ssh_public_keys"},
			},
			{
				// Added out of band as root: the plan shows it going, and the
				// volume grown out of band is no drift (size_gb is a minimum).
				PreConfig: func() {
					onNodeMust(t, e, "pve1", "pct set 100 --mp4 /srv/other,mp=/other && pct resize 100 mp0 5G")
				},
				Config: with(`[`+fmt.Sprintf(dataVolume, 3)+`]`, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, mp(0, "size_gb"), num(5)),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("mount_points"), knownvalue.ListSizeExact(1)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"mp4": knownvalue.Null(),
						"mp0": knownvalue.StringExact("local-lvm:vm-100-disk-1,mp=/data,backup=1,size=5G")}),
				},
			},
		},
	})
}

// TestAccApplicationBindMountNeedsSSH: without an ssh block, a bind mount
// and a device fail the plan on their attributes, naming what to add.
func TestAccApplicationBindMountNeedsSSH(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	app := application("media", "it-tools", "media").set("mount_points", `[`+mediaBind+`]`).set("devices", gpu)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.provider(withLocalStore())), app), PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)Bind mounts need SSH.*mount_points\[0\] binds /srv/media.*Devices need SSH`),
		}},
	})
}

// onNodeMust runs a command on a node as root, out of band.
func onNodeMust(t *testing.T, e *testEnv, node, command string) {
	t.Helper()
	if out, code, err := e.onNode(node, command); err != nil || code != 0 {
		t.Fatalf("%s on %s: exit %d, %v: %s", command, node, code, err, out)
	}
}
