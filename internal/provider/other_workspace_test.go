package provider

import (
	"context"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
)

// otherWorkspace deploys an application as another workspace's apply does:
// a real create, through the same layer the provider calls (deploy) with
// the provider's defaults, the simulator's SSH and the test's allocation
// file (workspaces share the cluster's table), in a provider process of
// its own (its own Claims). The app is whatever that create leaves: a
// state would then hold it.
func (e *testEnv) otherWorkspace(spec deploy.Spec) deploy.App {
	e.t.Helper()
	runner, err := nodeshell.New(nodeshell.Config{PrivateKey: e.info.SSHPrivateKey, HostKey: e.info.SSHHostKey, Nodes: e.info.SSHNodes})
	e.must(err)
	defer runner.Close()
	cat, err := catalog.Embedded()
	e.must(err)
	ports := &allocstore.Allocator{Store: &allocstore.LocalStore{Path: e.allocationFile},
		Public:   allocstore.Range{From: defaultPublicRange[0], To: defaultPublicRange[1]},
		Internal: allocstore.Range{From: defaultInternalRange[0], To: defaultInternalRange[1]}}
	d := &deploy.Service{Client: e.client, Nodes: runner, Ports: ports, Catalog: cat,
		Backups: &backups.Service{Client: e.client}, Claims: &deploy.Claims{}}
	created, err := d.Create(context.Background(), spec, nil)
	e.must(err)
	return created.App
}
