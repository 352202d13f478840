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
