package deploy

import (
	"context"
	"errors"
	"testing"
)

// TestRenameFailingInsideIsResumed: the allocation table's owner moves
// before the config is written, so a rename that fails inside the running
// container (after PVE's config took the name) leaves the table and the
// config agreeing, and fails with a RenameUnfinishedError naming the step;
// ResumeRename with its From makes the next update finish the rename inside.
func TestRenameFailingInsideIsResumed(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "one"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	if err := sim.SetFaults("exec:hostname=1|hostname: simulated failure"); err != nil {
		t.Fatal(err)
	}
	c := Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "one", NewHostname: "two", AllocationID: app.AllocationID,
		PublicPort: app.PublicPort, InternalPort: app.InternalPort}
	steps, err := d.Update(ctx, app.Node, app.VMID, c)
	var unfinished *RenameUnfinishedError
	if !errors.As(err, &unfinished) || unfinished.From != "one" || unfinished.To != "two" || unfinished.Step != "rename" {
		t.Fatalf("update: %v (%+v)", err, unfinished)
	}
	if names := stepNames(steps); names != "check hostname,move allocation owner,update config,rename" {
		t.Errorf("steps %s", names)
	}
	if a, ok, _ := d.Ports.Get(ctx, app.AllocationID); !ok || a.Owner != "two" {
		t.Errorf("the table's owner is %+v, want two as in the config", a)
	}
	if out, _ := inApp(t, d, app, "cat", "/etc/hostname"); out != "one\n" {
		t.Errorf("/etc/hostname %q before the resume", out)
	}
	if err := sim.SetFaults(""); err != nil {
		t.Fatal(err)
	}
	// The next apply: the state reads "two" from PVE and plans no rename;
	// the unfinished one makes it.
	next := Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "two", AllocationID: app.AllocationID,
		PublicPort: app.PublicPort, InternalPort: app.InternalPort}
	if next.RunsSteps() {
		t.Fatal("a change without the resume already runs steps")
	}
	next.ResumeRename(unfinished.From)
	if !next.RunsSteps() {
		t.Fatal("a resumed rename runs no steps")
	}
	if _, err := d.Update(ctx, app.Node, app.VMID, next); err != nil {
		t.Fatal(err)
	}
	if out, _ := inApp(t, d, app, "sh", "-c", "hostname; cat /etc/hostname; grep 127.0.1.1 /etc/hosts"); out != "two\ntwo\n127.0.1.1 two\n" {
		t.Errorf("inside after the resume:\n%s", out)
	}
}

// TestFailedConfigWriteMovesTheOwnerBack: when the config write of a
// rename fails, the table's owner, moved before it, goes back to the old
// name, so the table and PVE agree again.
func TestFailedConfigWriteMovesTheOwnerBack(t *testing.T) {
	d, sim := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "one"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	if err := sim.SetFaults("500:PUT /nodes/*/lxc/*/config=1|simulated failure"); err != nil {
		t.Fatal(err)
	}
	_, err = d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "one", NewHostname: "two",
		AllocationID: app.AllocationID, PublicPort: app.PublicPort, InternalPort: app.InternalPort})
	var unfinished *RenameUnfinishedError
	if err == nil || errors.As(err, &unfinished) {
		t.Fatalf("update: %v", err)
	}
	if a, ok, _ := d.Ports.Get(ctx, app.AllocationID); !ok || a.Owner != "one" {
		t.Errorf("the table's owner is %+v, want one as in the config", a)
	}
}
