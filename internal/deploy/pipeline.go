package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Tags with which Proximity marks its containers; PVE lists tags cluster-wide.
const (
	TagProximity = "proximity"
	TagApp       = "px-app-"      // + catalog id
	TagDeploying = "px-deploying" // set until the app runs: an unfinished deployment
)

// Deps are the layers the pipeline drives.
type Deps struct {
	Client      *pveclient.Client
	Nodes       *nodeshell.Runner
	Ports       *allocstore.Allocator
	Catalog     *catalog.Catalog
	DefaultNode string
}

// Spec is what an application asks for.
type Spec struct {
	CatalogID, Hostname              string
	Node, Template, Storage, Bridge  string
	IPConfig, Gateway, SSHPublicKeys string
	Password, Description            string
	Memory, Cores, DiskGB            int // 0: the catalog minimum
	Environment                      map[string]string
	Tags                             []string
	Stopped                          bool
	// PortAllocationID uses a pair held by a proximity_port_allocation
	// instead of allocating one; the pair then stays allocated on destroy.
	PortAllocationID string
}

// App is a deployed application.
type App struct {
	VMID                     int
	Node                     string
	IP                       string
	URL                      string
	PublicPort, InternalPort int
	AllocationID             string
	Memory, Cores, DiskGB    int
	Template, Storage        string
	Log                      []Step
}

// Create deploys an app. Once the container exists, saved is called with
// what is known so far, so that a later failure leaves a resource Terraform
// tracks (and replaces) instead of an orphan. Before that point a failure
// releases the ports it took.
func (d *Deps) Create(ctx context.Context, spec Spec, saved func(App)) (app App, err error) {
	var log stepLog
	defer func() { app.Log = log.steps }()

	entry, ok := d.Catalog.Get(spec.CatalogID)
	if !ok {
		return app, fmt.Errorf("the catalog has no app %q; closest ids: %s", spec.CatalogID, strings.Join(d.Catalog.Closest(spec.CatalogID, 3), ", "))
	}
	app.Memory, app.Cores, app.DiskGB = max(spec.Memory, entry.MinMemory), max(spec.Cores, entry.MinCPU), max(spec.DiskGB, entry.MinDisk)
	compose, err := RenderCompose(ctx, entry, spec.Environment)
	if err != nil {
		return app, err
	}

	if spec.PortAllocationID != "" {
		if err := log.run(ctx, "use port allocation", func() (string, error) {
			a, ok, err := d.Ports.Get(ctx, spec.PortAllocationID)
			if err == nil && !ok {
				err = fmt.Errorf("port allocation %s is not in %s", spec.PortAllocationID, d.Ports.Store.Location())
			}
			app.PublicPort, app.InternalPort = a.PublicPort, a.InternalPort
			return fmt.Sprintf("public %d, internal %d from %s", a.PublicPort, a.InternalPort, spec.PortAllocationID), err
		}); err != nil {
			return app, err
		}
	} else if err := log.run(ctx, "allocate ports", func() (string, error) {
		a, err := d.Ports.Allocate(ctx, spec.Hostname, 0)
		app.PublicPort, app.InternalPort, app.AllocationID = a.PublicPort, a.InternalPort, a.ID
		return fmt.Sprintf("public %d, internal %d", a.PublicPort, a.InternalPort), err
	}); err != nil {
		return app, err
	}
	created := false
	defer func() {
		if err != nil && !created && app.AllocationID != "" {
			_ = d.Ports.Release(context.WithoutCancel(ctx), app.AllocationID)
			app.AllocationID = ""
		}
	}()

	if err := log.run(ctx, "choose node", func() (string, error) {
		app.Node, err = d.chooseNode(ctx, spec.Node, app.Memory)
		return app.Node, err
	}); err != nil {
		return app, err
	}
	var storages []pveclient.Storage
	if err := log.run(ctx, "ensure template", func() (string, error) {
		if storages, err = d.Client.Storages(ctx, app.Node); err != nil {
			return "", err
		}
		app.Template, err = d.ensureTemplate(ctx, app.Node, storages, spec.Template)
		return app.Template, err
	}); err != nil {
		return app, err
	}
	storage := spec.Storage
	if err := log.run(ctx, "choose storage", func() (string, error) {
		if storage == "" {
			storage, err = rootStorage(app.Node, storages)
		}
		return storage, err
	}); err != nil {
		return app, err
	}

	app.Storage = storage
	options := containerOptions(spec, entry, app, storage)
	var upid string
	if err := log.run(ctx, "create container", func() (string, error) {
		app.VMID, upid, err = d.createWithFreshVMID(ctx, app.Node, options)
		return fmt.Sprintf("CT %d on %s", app.VMID, app.Node), err
	}); err != nil {
		return app, err
	}
	created = true
	saved(app)
	if err := log.run(ctx, "wait for create", func() (string, error) {
		if upid == "" {
			return "task id lost; waited for the create lock", d.waitCreated(ctx, app.Node, app.VMID)
		}
		_, err := d.Client.WaitTask(ctx, upid)
		return "", err
	}); err != nil {
		return app, err
	}
	if err := log.run(ctx, "start", func() (string, error) { return "", d.Client.StartNewGuest(ctx, app.Node, app.VMID) }); err != nil {
		return app, err
	}
	if err := log.run(ctx, "wait for address", func() (string, error) {
		app.IP, err = d.waitAddress(ctx, app.Node, app.VMID)
		return app.IP, err
	}); err != nil {
		return app, err
	}
	var composeCmd []string
	if err := log.run(ctx, "install container runtime", func() (string, error) {
		composeCmd, err = d.installRuntime(ctx, app.Node, app.VMID)
		return strings.Join(composeCmd, " "), err
	}); err != nil {
		return app, err
	}
	dir := "/opt/proximity/" + entry.ID
	if err := log.run(ctx, "write compose file", func() (string, error) {
		return dir + "/compose.yaml", d.pushFile(ctx, app.Node, app.VMID, dir, "compose.yaml", compose)
	}); err != nil {
		return app, err
	}
	if err := log.run(ctx, "compose up", func() (string, error) {
		return "", d.inContainer(ctx, app.Node, app.VMID, append(composeCmd, "-f", dir+"/compose.yaml", "-p", entry.ID, "up", "-d")...)
	}); err != nil {
		return app, err
	}
	if err := log.run(ctx, "check services", func() (string, error) {
		return d.checkServices(ctx, app.Node, app.VMID, composeCmd, entry)
	}); err != nil {
		return app, err
	}
	if err := log.run(ctx, "finish", func() (string, error) {
		return "", d.Client.UpdateGuestConfig(ctx, app.Node, app.VMID, map[string]any{"tags": strings.Join(tags(spec, entry, app, false), ";")}, nil, "")
	}); err != nil {
		return app, err
	}
	if spec.Stopped {
		if err := log.run(ctx, "stop", func() (string, error) { return "", d.Client.ShutdownGuest(ctx, app.Node, app.VMID, 60) }); err != nil {
			return app, err
		}
	}
	app.URL = fmt.Sprintf("http://%s:%d", app.IP, entry.MainPort())
	return app, nil
}
