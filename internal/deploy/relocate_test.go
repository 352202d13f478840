package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestCheckRelocationRefusals: the plan-time checks of a move, against the
// simulator's answers. A root disk goes only to an enabled, active storage
// with content rootdir on the node it ends on (alloc_disk in move_volume's
// task, storage_check_enabled and the content check in Migrate.pm
// prepare), a migration's target must be in the cluster, online and have
// the app's memory free; a disk that stays on its storage needs that
// storage on the new node (the error is then about node), and room there
// unless it is shared (nothing is copied).
func TestCheckRelocationRefusals(t *testing.T) {
	d, _ := newService(t)
	onNode(t, d, "pve1", "pvesm add dir fast --path /srv/fast --content rootdir --nodes pve1 && "+
		"pvesm add dir off --path /srv/off --content rootdir --disable 1 && "+
		"pvesm add nfs nas --server 192.0.2.10 --export /srv/pve --path /mnt/pve/nas --content rootdir")
	from := PlannedRelocation{VMID: 100, FromNode: "pve1", FromStorage: "local-lvm", MemoryMB: 128, DiskGB: 2}
	with := func(change func(p *PlannedRelocation)) PlannedRelocation {
		p := from
		change(&p)
		return p
	}
	for _, tc := range []struct {
		name      string
		move      PlannedRelocation
		attribute string // "": allowed; "node error": a *NodeError
		want      string
	}{
		{"a storage without rootdir", with(func(p *PlannedRelocation) { p.ToStorage = "local" }), "storage",
			"storage local on pve1 cannot hold the root disk: PVE puts container disks only on an enabled, active storage with content rootdir"},
		{"a disabled storage", with(func(p *PlannedRelocation) { p.ToStorage = "off" }), "storage", "storages of pve1 that do: "},
		{"a storage of the node", with(func(p *PlannedRelocation) { p.ToStorage = "fast" }), "", ""},
		{"a storage without room", with(func(p *PlannedRelocation) { p.ToStorage, p.DiskGB = "fast", 1<<20 }), "storage",
			"GB free, and the root disk needs 1048576 GB"},
		{"another node", with(func(p *PlannedRelocation) { p.ToNode = "pve2" }), "", ""},
		{"another node, the disk staying on shared storage", with(func(p *PlannedRelocation) {
			p.FromStorage, p.ToNode, p.DiskGB = "nas", "pve2", 1<<30
		}), "", ""},
		{"a node not in the cluster", with(func(p *PlannedRelocation) { p.ToNode = "pve9" }), "node error", `node "pve9" is not in the cluster`},
		{"a node without the memory", with(func(p *PlannedRelocation) { p.ToNode, p.MemoryMB = "pve2", 1<<24 }), "node",
			"and the app needs 16777216 MB"},
		{"a storage the new node lacks", with(func(p *PlannedRelocation) { p.ToNode, p.ToStorage = "pve2", "fast" }), "storage",
			"storage fast on pve2 cannot hold the root disk"},
		{"a disk on a storage the new node lacks", with(func(p *PlannedRelocation) { p.FromStorage, p.ToNode = "fast", "pve2" }), "node",
			"storage fast on pve2 cannot hold the root disk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.CheckRelocation(context.Background(), tc.move)
			var move *RelocationError
			var node *NodeError
			switch {
			case tc.attribute == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.attribute == "node error" && !errors.As(err, &node):
				t.Errorf("got %v, want a NodeError", err)
			case tc.attribute != "" && tc.attribute != "node error" && (!errors.As(err, &move) || move.Attribute != tc.attribute):
				t.Errorf("got %#v, want a RelocationError on %s", err, tc.attribute)
			case err != nil && !strings.Contains(err.Error(), tc.want):
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestRelocateFailedStartOnTheTarget: PVE's migration does not check the
// target's bridges, and a start there that fails ends the task "migration
// problems" with the container moved (AbstractMigrate.pm migrate,
// Migrate.pm final_cleanup). Update reports the error, and Locate finds
// the container on the target, which the provider then records.
func TestRelocateFailedStartOnTheTarget(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	addBridge(t, d, "pve1", "vmbr1")
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1", Bridge: "vmbr1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := d.Update(ctx, "pve1", app.VMID, Change{CatalogID: "nginx", Relocate: &Relocation{Node: "pve2"}})
	if err == nil || !strings.Contains(err.Error(), "migration problems") {
		t.Fatalf("update: %v", err)
	}
	if len(steps) != 1 || steps[0].Name != "migrate" || steps[0].Status != "failed" {
		t.Errorf("steps: %+v", steps)
	}
	node, found, err := d.Locate(ctx, app.VMID)
	if err != nil || !found || node != "pve2" {
		t.Errorf("Locate: %q %v %v, want pve2", node, found, err)
	}
}

// addBridge adds an active bridge to a node, as an administrator would
// (pvesh create, then the network reload that PUT .../network runs).
func addBridge(t *testing.T, d *Service, node, bridge string) {
	t.Helper()
	ctx := context.Background()
	res, err := d.Nodes.Run(ctx, node, "pvesh create /nodes/"+node+"/network --iface "+bridge+" --type bridge --autostart 1 && "+
		"pvesh set /nodes/"+node+"/network", nil)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("adding %s on %s: %v %d %s", bridge, node, err, res.ExitCode, res.Stderr)
	}
	if _, err := d.Client.WaitTask(ctx, strings.TrimSpace(res.Stdout)); err != nil {
		t.Fatalf("applying the network of %s (%q): %v", node, res.Stdout, err)
	}
}

// TestMigrationNeedsVMMigrate: migrate_vm's permission check is
// ['perm', '/vms/{vmid}', ['VM.Migrate']] (pve-container API2/LXC.pm), so a
// plan that changes an app's node asks for it on the guest, and no other
// plan does; the README's list (RequiredPrivileges) holds it.
func TestMigrationNeedsVMMigrate(t *testing.T) {
	has := func(needs []PrivilegeNeed, path string) bool {
		for _, n := range needs {
			if n.Path == path && slices.Contains(n.Privs, "VM.Migrate") {
				return true
			}
		}
		return false
	}
	if !has(ApplicationNeeds(PlannedApplication{VMID: 100, Migrate: true}), "/vms/100") {
		t.Error("a migration does not ask for VM.Migrate on /vms/100")
	}
	if has(ApplicationNeeds(PlannedApplication{VMID: 100}), "/vms/100") || has(ApplicationNeeds(PlannedApplication{}), "/vms") {
		t.Error("an update or a create without a migration asks for VM.Migrate")
	}
	if !has(RequiredPrivileges(), "/vms") {
		t.Error("the README's list lacks VM.Migrate on /vms")
	}
}

// TestRelocateAfterLostAnswers: a migrate or move_volume whose answer is
// lost has started its task all the same; the retry must not start a
// second one (the guest is locked 'migrate' or 'disk', or gone from the
// node), and the update waits for the move to end and goes on.
func TestRelocateAfterLostAnswers(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	onNode(t, d, "pve1", "pvesm add dir fast --path /srv/fast --content rootdir")
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("lost:POST /nodes/*/lxc/*/migrate=1x1;lost:POST /nodes/*/lxc/*/move_volume=1x1"); err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	if _, err := d.Update(ctx, "pve1", app.VMID, Change{CatalogID: "nginx", Relocate: &Relocation{Node: "pve2"}}); err != nil {
		t.Fatalf("migration: %v", err)
	}
	if _, err := d.Update(ctx, "pve2", app.VMID, Change{CatalogID: "nginx", Relocate: &Relocation{Storage: "fast"}}); err != nil {
		t.Fatalf("move: %v", err)
	}
	if st := sim.Stats(); st.Tasks["vzmigrate"] != 1 || st.Tasks["move_volume"] != 1 {
		t.Errorf("tasks: %v, want one migration and one move", st.Tasks)
	}
	o, err := d.Observe(ctx, "pve2", app.VMID)
	if err != nil || !o.Running || o.Storage != "fast" {
		t.Errorf("on pve2: %+v %v", o, err)
	}
}

// TestCheckRelocationMountPoints: Migrate.pm prepare dies "cannot migrate
// local bind mount point" for a bind (or device) mount point not marked
// shared, and a volume mount point stays on its storage's id, which must
// take container disks on the target (storage_check_enabled, content
// rootdir); the plan says so before anything stops. A container imported
// into an app may have either.
func TestCheckRelocationMountPoints(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	onNode(t, d, "pve1", "pvesm add dir fast --path /srv/fast --content rootdir --nodes pve1 && "+
		"pct create 100 local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz --rootfs local-lvm:1 --unprivileged 1 && "+
		"pct set 100 --mp0 /srv/data,mp=/data")
	move := PlannedRelocation{VMID: 100, FromNode: "pve1", FromStorage: "local-lvm", ToNode: "pve2", MemoryMB: 128, DiskGB: 1}
	err := d.CheckRelocation(ctx, move)
	if want := "CT 100 has the local bind mount point mp0 (/srv/data), which PVE does not migrate"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("bind mount point: %v, want %q", err, want)
	}
	onNode(t, d, "pve1", "pct set 100 --mp0 /srv/data,mp=/data,shared=1 --mp1 fast:1,mp=/more")
	err = d.CheckRelocation(ctx, move)
	if want := "storage fast on pve2 cannot hold mount point mp1 (it stays on its storage)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("volume mount point: %v, want %q", err, want)
	}
	onNode(t, d, "pve1", "pct set 100 --delete mp1")
	if err := d.CheckRelocation(ctx, move); err != nil {
		t.Errorf("a shared bind mount point: %v", err)
	}
}
