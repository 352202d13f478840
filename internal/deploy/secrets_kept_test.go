package deploy

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestResumedCreateKeepsTheSecretsItRanWith: a run stopped after compose
// up (before it took its deploying mark off) leaves a container whose
// database was initialised with that run's generated secrets; the next
// create resumes it and keeps them, in the compose file and in what it
// returns for the state (issue 17 review, finding 2).
func TestResumedCreateKeepsTheSecretsItRanWith(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	spec := Spec{CatalogID: "gitea", Hostname: "git"}
	first, err := d.Create(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := d.CatalogApp("gitea")
	// What a kill just before the release leaves: the deploying mark on.
	tags := ownTags(nil, entry.ID, first.Identity, first.PublicPort, first.InternalPort, true)
	if err := d.Client.UpdateContainerConfig(ctx, first.Node, first.VMID, pveclient.ContainerConfigUpdate{Tags: tags}); err != nil {
		t.Fatal(err)
	}
	d.invalidate()
	again, err := d.Create(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.VMID != first.VMID {
		t.Fatalf("the create made CT %d instead of resuming CT %d", again.VMID, first.VMID)
	}
	running, err := d.runningEnvironment(ctx, entry, again.Node, again.VMID)
	if err != nil {
		t.Fatal(err)
	}
	want := first.GeneratedSecrets["DB_PASSWORD"]
	if running["DB_PASSWORD"] != want || again.GeneratedSecrets["DB_PASSWORD"] != want {
		t.Errorf("DB_PASSWORD: compose %.8s..., state %.8s..., want the first run's %.8s...",
			running["DB_PASSWORD"], again.GeneratedSecrets["DB_PASSWORD"], want)
	}
}

// TestDroppedSecretKeepsItsRunningValue: an app whose configuration set a
// secret, and whose state therefore records no generated value, drops the
// key: the redeploy keeps the value the app runs with, never the catalog's
// placeholder, and no new one that its database would refuse (issue 17
// review, finding 1).
func TestDroppedSecretKeepsItsRunningValue(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	mine := map[string]string{"DB_PASSWORD": "mine-db", "DB_ROOT_PASSWORD": "mine-root"}
	app, err := d.Create(ctx, Spec{CatalogID: "gitea", Hostname: "git", Environment: mine}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range []map[string]string{nil, {"DB_ROOT_PASSWORD": "unused"}} {
		_, err = d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "gitea", Hostname: "git",
			Environment: map[string]string{"DB_ROOT_PASSWORD": "mine-root"}, PreviousEnvironment: mine, GeneratedSecrets: kept,
			Redeploy: true, Identity: app.Identity, PublicPort: app.PublicPort, InternalPort: app.InternalPort, AllocationID: app.AllocationID})
		if err != nil {
			t.Fatal(err)
		}
		entry, _ := d.CatalogApp("gitea")
		running, err := d.runningEnvironment(ctx, entry, app.Node, app.VMID)
		if err != nil {
			t.Fatal(err)
		}
		if got := running["DB_PASSWORD"]; got != "mine-db" || catalog.LooksLikePlaceholder(got) {
			t.Errorf("state secrets %v: DB_PASSWORD is %q after the redeploy, want the running mine-db", kept, got)
		}
	}
}

// TestResumedSecretsAreMaskedInLogs: the secrets a resumed create reads
// back from the container's compose file (values the create did not
// generate, so the provider could not mask them beforehand) appear in no
// log line of the rest of the create (the steps after the file was read).
func TestResumedSecretsAreMaskedInLogs(t *testing.T) {
	d, _ := newService(t)
	spec := Spec{CatalogID: "gitea", Hostname: "git"}
	first, err := d.Create(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := d.CatalogApp("gitea")
	tags := ownTags(nil, entry.ID, first.Identity, first.PublicPort, first.InternalPort, true)
	if err := d.Client.UpdateContainerConfig(context.Background(), first.Node, first.VMID, pveclient.ContainerConfigUpdate{Tags: tags}); err != nil {
		t.Fatal(err)
	}
	d.invalidate()
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	// A step message that quotes the secret, as a failing app's logs would.
	secret := first.GeneratedSecrets["DB_PASSWORD"]
	ctx = tflog.SetField(ctx, "quoted", "db said: password "+secret+" refused")
	if _, err := d.Create(ctx, spec, nil); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("the create logged nothing; the test proves nothing")
	}
	// From the first step after the compose file was read on.
	_, after, found := strings.Cut(logs.String(), `"step":"install container runtime"`)
	if !found {
		t.Fatalf("no install container runtime step in the log:\n%s", logs.String())
	}
	if strings.Contains(after, secret) {
		t.Errorf("a log line of the resumed create shows DB_PASSWORD read back from its compose file:\n%s", after)
	}
}
