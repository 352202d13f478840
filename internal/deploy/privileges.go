package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// This file is the one owner of what the provider's Proxmox VE calls need
// of the identity it runs as, and of the plan-time check against PVE's
// own answer (GET /access/permissions). The needs come from the checks
// PVE's handlers make (pve-container API2/LXC.pm create_vm, update_vm,
// destroy_vm, resize_vm and PVE::LXC::check_ct_modify_config_perm; pve-manager
// VZDump.pm; pve-storage Storage.pm check_volume_access and Content.pm;
// pve-guest-common check_vnet_access; Nodes.pm aplinfo), identical in PVE
// 8.4 and 9.1 for what the provider sends (an unprivileged container with
// nesting only, no bind mounts, no hookscript, no vzdump tuning options):
//
//   - /vms: create and restore (VM.Allocate), the settings sent with them
//     and updates (VM.Config.CPU, .Memory, .Network for hostname and net0,
//     .Options for description, onboot, tags, unprivileged; .Disk for rootfs,
//     .Options for a resize's disk key), features=nesting=1 (VM.Allocate),
//     start and shutdown (VM.PowerMgmt), a move to another node (VM.Migrate;
//     a root disk moved to another storage is VM.Config.Disk), reads of config, status and
//     /cluster/resources (VM.Audit), vzdump and restores of another guest's
//     archive (VM.Backup). Delete is VM.Allocate.
//   - /storage: the rootfs volume (Datastore.AllocateSpace), the template
//     (AllocateSpace suffices for reading it; Datastore.AllocateTemplate
//     when it is downloaded), backups made, listed, protected and removed
//     (Datastore.AllocateSpace, with VM.Backup on the guest).
//   - /sdn/zones/localnetwork/<bridge>: SDN.Use for net0's bridge, on
//     <bridge>/<tag> instead when net0 has a VLAN tag (NetworkNeed); an
//     update that rewrites net0 needs it for the old net0 too.
//   - /: Sys.Audit, for node memory (/nodes, placement), the cluster status
//     (node addresses) and the full /cluster/options (tag rules).
//
// Datastore.Audit is not needed: every storage read the provider makes
// accepts Datastore.AllocateSpace instead.

// The ACL paths the provider's needs sit on.
const (
	PathRoot    = "/"
	PathVMs     = "/vms"
	PathStorage = "/storage"
	PathNetwork = "/sdn/zones/localnetwork"
)

// VM privileges an application's container needs.
var applicationVMPrivileges = []string{
	"VM.Allocate", "VM.Audit", "VM.Config.CPU", "VM.Config.Disk", "VM.Config.Memory",
	"VM.Config.Network", "VM.Config.Options", "VM.PowerMgmt",
}

// PrivilegeNeed is a set of privileges the provider needs on one ACL path.
// Below is true when they must also hold on paths under it that do not
// exist yet (a new guest's /vms/<vmid>, a storage chosen at apply), so an
// ACL on the path itself must propagate.
type PrivilegeNeed struct {
	Path  string
	Privs []string
	Below bool
}

// PlannedApplication is what a plan says of one application, as far as
// privileges go: VMID 0 for a container still to be created; empty strings
// for what the apply chooses.
type PlannedApplication struct {
	VMID        int
	Storage     string
	Bridge      string
	RestoreFrom string // a backup volid
	Migrate     bool   // moved to another node (migrate_vm checks VM.Migrate)
	VLANTag     int    // net0's VLAN tag (0: untagged)
	// OldBridge and OldVLANTag are net0's before an update that rewrites
	// it (OldBridge "": net0 stays), which PVE checks as well.
	OldBridge  string
	OldVLANTag int
	// Pool is the app's resource pool; PoolMoves an update that moves it
	// there from OldPool (either "": none) (controls_boot_pool.go).
	Pool, OldPool string
	PoolMoves     bool
}

// ApplicationNeeds are the privileges creating or updating one application
// takes.
func ApplicationNeeds(a PlannedApplication) []PrivilegeNeed {
	vm := PrivilegeNeed{Path: PathVMs, Privs: slices.Clone(applicationVMPrivileges), Below: true}
	if a.VMID != 0 {
		vm.Path, vm.Below = fmt.Sprintf("%s/%d", PathVMs, a.VMID), false
	}
	// Storages: the rootfs and the template storage are chosen at apply
	// unless asked, and the template may be downloaded.
	if a.Migrate {
		vm.Privs = append(vm.Privs, "VM.Migrate")
	}
	needs := []PrivilegeNeed{vm, {Path: PathStorage, Privs: []string{"Datastore.AllocateSpace", "Datastore.AllocateTemplate"}, Below: true}}
	if a.Storage != "" {
		needs = append(needs, PrivilegeNeed{Path: PathStorage + "/" + a.Storage, Privs: []string{"Datastore.AllocateSpace"}})
	}
	if a.RestoreFrom != "" {
		// check_volume_access of another guest's archive: AllocateSpace on
		// its storage and VM.Backup on the guest it was made of.
		vm.Privs = append(vm.Privs, "VM.Backup")
		needs[0] = vm
		if storage, _, ok := strings.Cut(a.RestoreFrom, ":"); ok {
			needs = append(needs, PrivilegeNeed{Path: PathStorage + "/" + storage, Privs: []string{"Datastore.AllocateSpace"}})
		}
	}
	needs = append(needs, NetworkNeed(cmp.Or(a.Bridge, DefaultBridge), a.VLANTag),
		PrivilegeNeed{Path: PathRoot, Privs: []string{"Sys.Audit"}, Below: true})
	if a.OldBridge != "" {
		needs = append(needs, NetworkNeed(a.OldBridge, a.OldVLANTag))
	}
	needs = append(needs, poolNeeds(a)...)
	return needs
}

// BackupNeeds are the privileges making, reading, protecting and removing
// a backup of vmid (0: not known yet) on storage (empty: the default).
func BackupNeeds(vmid int, storage string) []PrivilegeNeed {
	vm := PrivilegeNeed{Path: PathVMs, Privs: []string{"VM.Audit", "VM.Backup"}, Below: true}
	if vmid != 0 {
		vm.Path, vm.Below = fmt.Sprintf("%s/%d", PathVMs, vmid), false
	}
	store := PrivilegeNeed{Path: PathStorage, Privs: []string{"Datastore.AllocateSpace"}, Below: true}
	if storage != "" {
		store.Path, store.Below = PathStorage+"/"+storage, false
	}
	return []PrivilegeNeed{vm, store}
}

// PortAllocationNeeds are the privileges a port allocation takes: the
// cross-check reads every guest's port tags from /cluster/resources, which
// lists only the guests the identity may audit, so a port a hidden guest
// holds would be handed out again.
func PortAllocationNeeds() []PrivilegeNeed {
	return []PrivilegeNeed{{Path: PathVMs, Privs: []string{"VM.Audit"}, Below: true}}
}

// RequiredPrivileges is the README's list: every privilege the provider's
// objects need, on the path a cluster-wide grant puts it.
func RequiredPrivileges() []PrivilegeNeed {
	needs := append(ApplicationNeeds(PlannedApplication{RestoreFrom: "x", Migrate: true}), BackupNeeds(0, "")...)
	return mergeNeeds(append(needs, PortAllocationNeeds()...), true)
}

// mergeNeeds joins needs on one path, sorted by path; general folds the
// per-object paths (/vms/<vmid>, /storage/<id>, a bridge) into their parent
// with propagation.
func mergeNeeds(needs []PrivilegeNeed, general bool) []PrivilegeNeed {
	byPath := map[string]*PrivilegeNeed{}
	var order []string
	for _, n := range needs {
		if general {
			for _, parent := range []string{PathVMs, PathStorage, PathNetwork} {
				if strings.HasPrefix(n.Path, parent+"/") {
					n.Path, n.Below = parent, true
				}
			}
		}
		m, ok := byPath[n.Path]
		if !ok {
			m = &PrivilegeNeed{Path: n.Path}
			byPath[n.Path] = m
			order = append(order, n.Path)
		}
		m.Below = m.Below || n.Below
		for _, p := range n.Privs {
			if !slices.Contains(m.Privs, p) {
				m.Privs = append(m.Privs, p)
			}
		}
	}
	slices.Sort(order)
	out := make([]PrivilegeNeed, 0, len(order))
	for _, p := range order {
		slices.Sort(byPath[p].Privs)
		out = append(out, *byPath[p])
	}
	return out
}

// privilegeCache keeps PVE's answer per client and path for the life of
// the provider process: a plan asks once per path, however many resources
// it holds.
var privilegeCache sync.Map // privilegeKey -> *privilegeEntry

type privilegeKey struct {
	client *pveclient.Client
	path   string
}

type privilegeEntry struct {
	once  sync.Once
	privs pveclient.Privileges
	err   error
}

// privileges returns the identity's effective privileges on path, asked
// once per client.
func (d *Service) privileges(ctx context.Context, path string) (pveclient.Privileges, error) {
	v, _ := privilegeCache.LoadOrStore(privilegeKey{d.Client, path}, &privilegeEntry{})
	e, _ := v.(*privilegeEntry) // the map holds nothing else
	e.once.Do(func() { e.privs, e.err = d.Client.Permissions(ctx, path) })
	if e.err != nil {
		// A failed answer is not kept: the next plan asks again.
		privilegeCache.CompareAndDelete(privilegeKey{d.Client, path}, e)
	}
	return e.privs, e.err
}

// CheckPrivileges compares needs with the identity's effective privileges
// and returns a *MissingPrivilegesError naming every one missing, or the
// error of asking.
func (d *Service) CheckPrivileges(ctx context.Context, needs []PrivilegeNeed) error {
	var missing []PrivilegeNeed
	for _, n := range mergeNeeds(needs, false) {
		held, err := d.privileges(ctx, n.Path)
		if err != nil {
			return err
		}
		lacking := PrivilegeNeed{Path: n.Path, Below: n.Below}
		for _, p := range n.Privs {
			if !held.Has(p, n.Below) {
				lacking.Privs = append(lacking.Privs, p)
			}
		}
		if len(lacking.Privs) > 0 {
			missing = append(missing, lacking)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingPrivilegesError{AuthID: d.Client.AuthID(), Token: d.Client.IsToken(), Missing: missing}
}
