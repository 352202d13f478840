package deploy

import (
	"context"
	"testing"
)

// TestComposeProbeAsksAgain: a `docker compose version` and a
// `docker-compose version` that fail once each (passing faults) in a
// container with Docker are asked again, not read
// as a container without compose (TestCreateUnderFaults failed so in CI:
// "CT 105 has neither `docker compose` nor docker-compose after installing
// Docker"); a container without compose still answers none.
func TestComposeProbeAsksAgain(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	app, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("exec:docker=1x1;exec:docker-compose=1x1"); err != nil {
		t.Fatal(err)
	}
	tool, err := d.composeCommand(ctx, app.Node, app.VMID)
	if err != nil || tool.argv[0] != "docker" {
		t.Fatalf("after one failed probe of each: %v, %v; want docker compose", tool, err)
	}
	if sim.Stats().Faults != 2 {
		t.Errorf("%d faults injected, want the two", sim.Stats().Faults)
	}
	if err := sim.SetFaults(""); err != nil {
		t.Fatal(err)
	}
	onNode(t, d, app.Node, PctExec(app.VMID, "rm", "-f", "/usr/bin/docker", "/usr/bin/docker-compose"))
	if _, ok, err := d.findCompose(ctx, app.Node, app.VMID); ok || err != nil {
		t.Errorf("a container without compose: ok=%v err=%v, want none", ok, err)
	}
}
