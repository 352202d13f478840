package allocstore

import (
	"context"
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

func TestRefreshHealsOrReportsConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	a := &Allocator{Store: &LocalStore{Path: path}, Public: pub, Internal: in}
	first, _ := a.Allocate(context.Background(), "first", 0)
	// The file is lost; the allocation comes back from what Terraform knows.
	if err := a.Release(context.Background(), first.ID); err != nil {
		t.Fatal(err)
	}
	got, restored, err := a.Refresh(context.Background(), first)
	if err != nil || !restored || got.PublicPort != 8100 {
		t.Fatalf("heal: %+v %v %v", got, restored, err)
	}
	// Lost again, and meanwhile someone else took its ports: that is an error.
	_ = a.Release(context.Background(), first.ID)
	if _, err := a.Allocate(context.Background(), "intruder", 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Refresh(context.Background(), first); err == nil || !strings.Contains(err.Error(), `now held by "intruder"`) {
		t.Errorf("conflict: %v", err)
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
