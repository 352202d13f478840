package deploy

import (
	"context"
	"fmt"
	"regexp"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// poolIDPattern is pve-access-control's pve-poolid format: a name, with up
// to two levels of nested pools below it.
var poolIDPattern = regexp.MustCompile(`^[A-Za-z0-9\.\-_]+(?:/[A-Za-z0-9\.\-_]+){0,2}$`)

// CheckPoolID reports what is wrong with a pool name, "" when nothing is.
func CheckPoolID(id string) string {
	if !poolIDPattern.MatchString(id) {
		return fmt.Sprintf("%q is not a pool name as PVE takes it (letters, digits, '.', '-' and '_', "+
			"nested pools as parent/child up to three levels)", id)
	}
	return ""
}

// observeControls reads what the container's config alone does not say
// of the controls, and the feature flags: its pool, from the cluster
// listing the refresh shares (no request of its own).
func (d *Service) observeControls(ctx context.Context, vmid int, cfg *pveclient.ContainerConfig, o *Observed) error {
	o.Features = observeFeatures(cfg)
	pool, err := d.guestPool(ctx, vmid)
	o.Boot.Pool = &pool
	return err
}

// guestPool is the pool the cluster listing shows for vmid: "" for none,
// and for one the identity may not see (the listing shows a pool only
// with Pool.Audit on it, which the plan's privilege check asks for).
func (d *Service) guestPool(ctx context.Context, vmid int) (string, error) {
	if d.Snapshot != nil {
		g, _, err := d.Snapshot.Guest(ctx, vmid)
		return g.Pool, err
	}
	guests, err := d.Client.ClusterGuests(ctx)
	for _, g := range guests {
		if g.VMID == vmid {
			return g.Pool, err
		}
	}
	return "", err
}

// applyPool moves the container into the pool want ("" none): out of the
// pool it is in (PUT /pools with delete=1), or into want, moving it from
// another pool (allow-move). The current pool is read afresh.
func (d *Service) applyPool(ctx context.Context, vmid int, want string) (string, error) {
	d.invalidate()
	have, err := d.guestPool(ctx, vmid)
	switch {
	case err != nil:
		return "", err
	case have == want:
		return "unchanged", nil
	case want == "":
		return "out of " + have, d.Client.RemoveFromPool(ctx, have, vmid)
	}
	if err := d.Client.AddToPool(ctx, want, vmid, have != ""); err != nil {
		return "", err
	}
	if have != "" {
		return have + " -> " + want, nil
	}
	return "into " + want, nil
}

// updateControls is an update's steps for the controls that are no config
// option: the feature flags (pct set as root) and the pool.
func (d *Service) updateControls(ctx context.Context, node string, vmid int, c Change, log *stepLog) error {
	if err := d.updateFeatures(ctx, node, vmid, c.Features, log); err != nil {
		return err
	}
	if c.Boot == nil || c.Boot.Pool == nil {
		return nil
	}
	want := *c.Boot.Pool
	return log.run(ctx, "pool", func() (string, error) { return d.applyPool(ctx, vmid, want) })
}

// PathPool is where a pool's privileges sit (/pool/<name>).
const PathPool = "/pool"

// poolNeeds are the privileges an application's pool takes: Pool.Audit on
// it, without which the cluster listing hides the pool and every refresh
// would read the app as outside it; and, when an update moves the app
// between pools, Pool.Allocate on both (pve-manager Pool.pm update_pool:
// Pool.Allocate on the pool, on the one it leaves with allow-move, and
// check_perm_modify on /vms/N, which VM.Allocate there satisfies). A
// create's pool parameter takes VM.Allocate, on /vms (create_vm's check).
func poolNeeds(a PlannedApplication) []PrivilegeNeed {
	var needs []PrivilegeNeed
	if a.Pool != "" {
		privs := []string{"Pool.Audit"}
		if a.PoolMoves {
			privs = append(privs, "Pool.Allocate")
		}
		needs = append(needs, PrivilegeNeed{Path: PathPool + "/" + a.Pool, Privs: privs})
	}
	if a.PoolMoves && a.OldPool != "" {
		needs = append(needs, PrivilegeNeed{Path: PathPool + "/" + a.OldPool, Privs: []string{"Pool.Allocate"}})
	}
	return needs
}
