package deploy

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSizesIsTheMinimumRule(t *testing.T) {
	svc, _ := newService(t)
	nginx, err := svc.CatalogApp("nginx") // at least 128 MB, 1 core, 1 GB
	if err != nil {
		t.Fatal(err)
	}
	if errs := CheckSizes(nginx, 0, 0, 0); len(errs) != 0 {
		t.Errorf("sizes left out take the minimum, got %v", errs)
	}
	got := CheckSizes(nginx, 64, 1, 0)
	want := []*BelowMinimumError{{App: "NGINX", Size: SizeMemory, Asked: 64, Least: 128}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckSizes (-want +got):\n%s", diff)
	}
	if msg := got[0].Error(); msg != "NGINX needs at least 128 MB of memory; 64 is too small" {
		t.Errorf("message: %q", msg)
	}
}

// A create asked for less than the app needs is refused by the same rule
// as the plan, before any port or container is taken; it used to raise the
// size silently.
func TestCreateRefusesSizesBelowTheMinimum(t *testing.T) {
	svc, sim := newService(t)
	created, err := svc.Create(context.Background(), Spec{CatalogID: "nginx", Hostname: "small", Memory: 64}, nil)
	var below *BelowMinimumError
	if !errors.As(err, &below) || below.Size != SizeMemory || created.Exists {
		t.Fatalf("create below the minimum: %+v %v", created, err)
	}
	if n := len(sim.Stats().Tasks); n != 0 {
		t.Errorf("%d task types ran for a refused create", n)
	}
}

// PlanDisk treats the disk size as a minimum: a disk grown out of band is
// kept as it is, and only a configuration that asks for less than before
// (and less than the disk has) is a shrink.
func TestPlanDiskIsAMinimum(t *testing.T) {
	for _, c := range []struct {
		name               string
		asked, has, before int
		want               int
		shrink             bool
	}{
		{"unchanged", 8, 8, 8, 8, false},
		{"grown in place", 12, 8, 8, 12, false},
		{"grown out of band, same configuration", 8, 12, 8, 12, false},
		{"grown out of band, configuration raised below it", 10, 12, 8, 12, false},
		{"configuration raised past the disk", 14, 12, 8, 14, false},
		{"shrink after a configured grow", 10, 12, 12, 12, true},
		{"shrink below a disk grown out of band", 6, 12, 8, 12, true},
		{"imported: nothing asked before", 4, 12, 0, 12, false},
	} {
		got, err := PlanDisk(c.asked, c.has, c.before)
		if got != c.want || (err != nil) != c.shrink {
			t.Errorf("%s: PlanDisk(%d, %d, %d) = %d, %v; want %d, shrink %v", c.name, c.asked, c.has, c.before, got, err, c.want, c.shrink)
		}
	}
	_, err := PlanDisk(10, 12, 12)
	want := "the disk is 12 GB and was asked to be 12 GB; it cannot go down to 10 GB, as PVE only grows container disks. " +
		"Ask for 12 GB or more, or replace the application for a smaller disk"
	if err == nil || err.Error() != want {
		t.Errorf("message: %v", err)
	}
}
