package allocstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestHostStoreMakesTheLockDirectory: a cluster on which no cfs_lock ever
// ran has no /etc/pve/priv/lock; the store makes it first, as PVE's
// cfs_lock does (pve-cluster src/PVE/Cluster.pm: mkdir $lockdir), instead
// of waiting 150 s for a lock whose parent is missing.
func TestHostStoreMakesTheLockDirectory(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	if got := onNode(t, sim, "rmdir /etc/pve/priv/lock && test ! -e /etc/pve/priv/lock && echo gone"); got != "gone\n" {
		t.Fatalf("removing the lock directory: %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	store := hostStore(t, sim, "pve2")
	if err := store.Update(ctx, func(tb *Table) error { _, err := tb.Allocate(Request{Public: pub, Internal: in}); return err }); err != nil {
		t.Fatalf("allocating on a cluster without priv/lock: %v", err)
	}
	if got := onNode(t, sim, "stat -c %a /etc/pve/priv/lock; ls /etc/pve/priv/lock"); got != "700\n" {
		t.Errorf("the lock directory afterwards: %q, want a 0700 directory holding no lock", got)
	}
}

// TestHostStoreWithoutQuorumFailsAtOnce: without quorum pmxcfs refuses
// every change with EACCES (pve-cluster src/pmxcfs/dcdb.c
// dcdb_send_fuse_message), so the lock can never be taken; the store says
// the cluster has no quorum at once, with a typed error, and leaves the
// file as it was. With quorum back, the same update goes through.
func TestHostStoreWithoutQuorumFailsAtOnce(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	store := hostStore(t, sim, "pve2")
	update := func(ctx context.Context) error {
		return store.Update(ctx, func(tb *Table) error { _, err := tb.Allocate(Request{Public: pub, Internal: in}); return err })
	}
	sim.SetQuorate(false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := update(ctx)
	var noQuorum *NoQuorumError
	if !errors.As(err, &noQuorum) || noQuorum.Node != "pve2" || !strings.Contains(err.Error(), "the cluster has no quorum") ||
		!strings.Contains(err.Error(), "Permission denied") {
		t.Fatalf("update without quorum: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the store took %s to give up; want at once", took)
	}
	if got := onNode(t, sim, "ls /etc/pve/priv/lock; test -e "+HostFile+" || echo no file"); got != "no file\n" {
		t.Errorf("after the refused update: %q", got)
	}
	sim.SetQuorate(true)
	if err := update(context.Background()); err != nil {
		t.Errorf("update with quorum back: %v", err)
	}
}

// TestHostStoreWithoutQuorumOnAFreshCluster: on a cluster that has no
// /etc/pve/priv/lock yet and no quorum, making the lock directory fails
// with EACCES like any change to pmxcfs without quorum (dcdb.c
// dcdb_send_fuse_message), not because pmxcfs is offline: the store says
// the cluster has no quorum, at once and without trying another node.
func TestHostStoreWithoutQuorumOnAFreshCluster(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	if got := onNode(t, sim, "rmdir /etc/pve/priv/lock && test ! -e /etc/pve/priv/lock && echo gone"); got != "gone\n" {
		t.Fatalf("removing the lock directory: %q", got)
	}
	sim.SetQuorate(false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := hostStore(t, sim, "pve2")
	store.Nodes = func(context.Context) ([]string, error) { return []string{"pve2", "pve1"}, nil }
	err := store.Update(ctx, func(tb *Table) error { _, err := tb.Allocate(Request{Public: pub, Internal: in}); return err })
	var noQuorum *NoQuorumError
	if !errors.As(err, &noQuorum) || noQuorum.Node != "pve2" || !strings.Contains(err.Error(), "Permission denied") {
		t.Fatalf("update on a fresh cluster without quorum: %v", err)
	}
	sim.SetQuorate(true)
	if err := store.Update(context.Background(), func(tb *Table) error { return nil }); err != nil {
		t.Errorf("update with quorum back: %v", err)
	}
}
