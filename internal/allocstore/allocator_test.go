package allocstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAllocatorSkipsPortsTaggedOnContainers(t *testing.T) {
	guests := []TaggedGuest{
		{VMID: 101, Node: "pve1", Tags: []string{"proximity", "px-pub-8100", "px-int-9100"}},
		{VMID: 102, Node: "pve2", Tags: []string{"px-pub-8101", "px-int-9105", "px-pub-junk"}},
	}
	a := &Allocator{
		Store: &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}, Public: pub, Internal: in,
		Cluster: func(context.Context) ([]TaggedGuest, error) { return guests, nil },
	}
	got, err := a.Allocate(context.Background(), "x", 0)
	if err != nil || got.PublicPort != 8102 || got.InternalPort != 9101 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := a.Allocate(context.Background(), "y", 8101); err == nil || !strings.Contains(err.Error(), "CT 102 on pve2") {
		t.Errorf("a port held by a container: %v", err)
	}
	public, internal, all, err := a.Usage(context.Background())
	if err != nil || public.Used != 3 || internal.Used != 3 || public.Free != 897 || len(all) != 1 {
		t.Errorf("usage %+v %+v %d %v", public, internal, len(all), err)
	}
}

// Lookup, a refresh, reports an allocation lost from the file without
// writing it back (SetOwner, an apply, does), and a conflict as an error.
func TestLookupReportsMissingOrConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	a := &Allocator{Store: &LocalStore{Path: path}, Public: pub, Internal: in}
	ctx := context.Background()
	first, _ := a.Allocate(ctx, "first", 0)
	if got, missing, err := a.Lookup(ctx, first); err != nil || missing || got != first {
		t.Fatalf("present: %+v %v %v", got, missing, err)
	}
	if err := a.Release(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	got, missing, err := a.Lookup(ctx, first)
	if err != nil || !missing || got != first {
		t.Fatalf("lost: %+v %v %v", got, missing, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("Lookup wrote the file:\n%s", after)
	}
	// The next apply puts it back.
	if got, err := a.SetOwner(ctx, first, "first"); err != nil || got.PublicPort != first.PublicPort {
		t.Fatalf("put back: %+v %v", got, err)
	}
	// Lost again, and meanwhile someone else took its ports: that is an error.
	_ = a.Release(ctx, first.ID)
	if _, err := a.Allocate(ctx, "intruder", 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Lookup(ctx, first); err == nil || !strings.Contains(err.Error(), `now held by "intruder"`) {
		t.Errorf("conflict: %v", err)
	}
}

// Reads take no lock and write nothing: not even the folder or the lock
// file of a store that does not exist yet.
func TestReadsWriteNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	a := &Allocator{Store: &GroupCommit{Store: &LocalStore{Path: filepath.Join(dir, "a.json")}}, Public: pub, Internal: in}
	ctx := context.Background()
	if _, ok, err := a.Get(ctx, "pa-000000000000"); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, ok, err := a.Find(ctx, 8100); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, _, all, err := a.Usage(ctx); len(all) != 0 || err != nil {
		t.Fatal(all, err)
	}
	if _, missing, err := a.Lookup(ctx, Allocation{ID: "pa-1", PublicPort: 8100, InternalPort: 9100}); !missing || err != nil {
		t.Fatal(missing, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a read made %s: %v", dir, err)
	}
}

// A restored app keeps its backup's pair when both ports are free, and
// gets a new pair when either is taken.
func TestAllocateForApplicationPrefersAFreePair(t *testing.T) {
	a := &Allocator{Store: &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}, Public: pub, Internal: in}
	ctx := context.Background()
	got, _, err := a.AllocateForApplication(ctx, "blog", nil, 8150, 9150)
	if err != nil || got.PublicPort != 8150 || got.InternalPort != 9150 {
		t.Fatalf("preferred pair: %+v %v", got, err)
	}
	cluster := []TaggedGuest{{VMID: 101, Node: "pve1", Tags: []string{"px-pub-8160", "px-int-9161"}}}
	got, _, err = a.AllocateForApplication(ctx, "wiki", cluster, 8170, 9161)
	if err != nil || got.PublicPort != 8100 || got.InternalPort != 9100 {
		t.Errorf("a pair whose internal port a container holds: %+v %v", got, err)
	}
}
