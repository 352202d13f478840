package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Tags with which Proximity marks its containers; PVE lists tags cluster-wide.
const (
	TagProximity = "proximity"
	TagApp       = "px-app-"      // + catalog id
	TagDeploying = "px-deploying" // no Terraform state is known to hold the container yet (see finish)
	TagID        = "px-id-"       // + the identity a create gave the container (see Observed.BelongsTo)
)

// Service is the application layer: it deploys, observes, changes and
// destroys applications over the layers below it. The provider builds one in
// Configure and only maps Terraform values onto its calls.
type Service struct {
	Client      *pveclient.Client
	Nodes       *nodeshell.Runner
	Ports       *allocstore.Allocator
	Catalog     *catalog.Catalog
	Backups     *backups.Service // finds the archive a restore starts from
	DefaultNode string
	// Snapshot, when set, shares one cluster listing between cheap reads;
	// every change this process makes drops it.
	Snapshot *pveclient.GuestSnapshot
	// Claims, when set, are the hostnames the creates of this run deploy:
	// two resources of one run never get one container or one pair.
	Claims *Claims
}

// Claims records the hostnames this provider process deploys.
type Claims struct{ names sync.Map }

// claim takes a hostname for one create; false when another create of this
// run has it.
func (c *Claims) claim(hostname string) bool {
	if c == nil {
		return true
	}
	_, taken := c.names.LoadOrStore(hostname, true)
	return !taken
}

func (d *Service) invalidate() {
	if d.Snapshot != nil {
		d.Snapshot.Invalidate()
	}
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
	// RestoreFrom creates the container from this backup (a volid) instead
	// of a template.
	RestoreFrom string
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
	// Identity is the container's px-id- tag; the state keeps it and every
	// later read, update and destroy checks it.
	Identity              string
	Memory, Cores, DiskGB int
	Template, Storage     string
	Log                   []Step
}

// Created is what a create leaves: the application as far as it got, and
// whether its container exists.
type Created struct {
	App
	// Exists is true once the container exists, and stays true after a
	// later failure: the caller records the container (Terraform then
	// replaces it) instead of leaving an orphan. It is false when a failure
	// left nothing: no container was made, or PVE removed it with its failed
	// create or restore task; the ports were released, and a record of the
	// container made before must go.
	Exists bool
	// Resumable is true when the create was cancelled (Ctrl-C) once it may
	// have made its container: as a killed run does, it left the container
	// marked as deploying, with its pair, for the next create of the app to
	// take over. The caller records nothing, even when Exists: a recorded
	// failure is tainted, and Terraform would replace it.
	Resumable bool
}

// Create deploys an app. A deployment of the same app and hostname that a
// killed run left unfinished is taken over instead of starting another.
// onContainer, when not nil, is called once the container exists, with what
// is known so far (tests stop a run there).
func (d *Service) Create(ctx context.Context, spec Spec, onContainer func(App)) (Created, error) {
	if onContainer == nil {
		onContainer = func(App) {}
	}
	app, err := d.create(ctx, spec, onContainer)
	var stopped *InterruptedError
	resumable := errors.As(err, &stopped) && stopped.Cancelled && (stopped.VMID != 0 || stopped.Requested)
	return Created{App: app, Exists: app.VMID != 0, Resumable: resumable}, err
}

// create is Create; app.VMID is 0 when no container exists. A create that
// its context stopped returns an InterruptedError. A cancelled one cleans
// nothing up once its create request may have reached PVE: the next run
// resumes what it left, as after a kill.
func (d *Service) create(ctx context.Context, spec Spec, saved func(App)) (app App, err error) {
	log := newStepLog(spec.Hostname, spec.CatalogID, &app.VMID)
	requested := false // a create or restore request was sent
	defer func() {
		app.Log = log.steps
		err = interrupted(ctx, err, app, requested)
	}()
	defer d.invalidate()

	entry, err := d.CatalogApp(spec.CatalogID)
	if err != nil {
		return app, err
	}
	if errs := CheckSizes(entry, spec.Memory, spec.Cores, spec.DiskGB); len(errs) > 0 {
		return app, errs[0]
	}
	leastMemory, leastCores, leastDisk := Minimums(entry)
	app.Memory, app.Cores, app.DiskGB = max(spec.Memory, leastMemory), max(spec.Cores, leastCores), max(spec.DiskGB, leastDisk)
	compose, err := RenderCompose(ctx, entry, spec.Environment)
	if err != nil {
		return app, err
	}
	defer func() {
		if err != nil && app.VMID != 0 && !cancelled(ctx) {
			// The caller records the container (Terraform taints it): it is
			// no longer an unfinished deployment for another run to take.
			// A cancelled one is, and keeps its mark.
			d.unmark(ctx, spec, entry, app)
		}
	}()

	if !d.Claims.claim(spec.Hostname) {
		return app, fmt.Errorf("another application of this configuration also has the hostname %q; "+
			"hostnames name applications, give each its own", spec.Hostname)
	}
	var guests []pveclient.ClusterGuest
	if err := log.run(ctx, "look for an unfinished deployment", func() (string, error) {
		guests, err = d.Client.ClusterGuests(ctx)
		if err != nil {
			return "", err
		}
		if g := appNamed(guests, spec.Hostname, entry.ID); g != nil {
			return "", fmt.Errorf("the hostname %q is already the application %s of CT %d on %s; "+
				"hostnames name applications: choose another, or import that one (terraform import ... %s/%d)",
				spec.Hostname, strings.TrimPrefix(tagWithPrefix(g.Tags, TagApp), TagApp), g.VMID, g.Node, g.Node, g.VMID)
		}
		if g := unfinished(guests, spec, entry); g != nil {
			proven, why, err := d.provenUnfinished(ctx, spec, g)
			if err != nil {
				return "", fmt.Errorf("checking CT %d, which looks like an unfinished deployment, against the allocation table: %w", g.VMID, err)
			}
			if !proven {
				tflog.Warn(ctx, "a container that looks like an unfinished deployment is left alone",
					map[string]any{"vmid": g.VMID, "node": g.Node, "reason": why})
				return fmt.Sprintf("CT %d on %s looks like one but %s: left alone", g.VMID, g.Node, why), nil
			}
			app.VMID, app.Node, app.Template, app.Storage = g.VMID, g.Node, spec.Template, spec.Storage
			app.PublicPort, app.InternalPort = portsOf(g.Tags)
			app.Identity = identityOf(g.Tags)
			return fmt.Sprintf("CT %d on %s, left by an interrupted run: taking it over", g.VMID, g.Node), nil
		}
		return "none", nil
	}); err != nil {
		return app, err
	}
	if app.VMID != 0 {
		return d.resume(ctx, spec, entry, compose, app, &log, saved)
	}
	var source *backupSource
	if spec.RestoreFrom != "" {
		if err := log.run(ctx, "find backup", func() (string, error) {
			source, err = d.findBackupSource(ctx, spec)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("on %s, made with public port %d and internal port %d", source.Node, source.PublicPort, source.InternalPort), nil
		}); err != nil {
			return app, err
		}
	}
	if err := d.takePorts(ctx, spec, guests, source, &app, &log); err != nil {
		return app, err
	}
	app.Identity = NewIdentity()
	created := false
	defer func() {
		if err != nil && requested && cancelled(ctx) {
			return // the container, if PVE made it, keeps its pair for the next run
		}
		if err != nil && created && d.gone(ctx, app) {
			// PVE removes a container whose create or restore task failed:
			// there is nothing to keep, so the ports go too.
			created, app.VMID = false, 0
		}
		if err != nil && !created && app.AllocationID != "" {
			_ = d.Ports.Release(context.WithoutCancel(ctx), app.AllocationID)
			app.AllocationID = ""
		}
	}()

	if err := log.run(ctx, "choose node", func() (string, error) {
		if source != nil {
			app.Node = source.Node
			return app.Node + ", where the backup is", nil
		}
		app.Node, err = d.chooseNode(ctx, spec.Node, app.Memory, spec.Bridge)
		return app.Node, err
	}); err != nil {
		return app, err
	}
	var storages []pveclient.Storage
	if source == nil {
		if err := log.run(ctx, "ensure template", func() (string, error) {
			if storages, err = d.Client.Storages(ctx, app.Node); err != nil {
				return "", err
			}
			app.Template, err = d.ensureTemplate(ctx, app.Node, storages, spec.Template)
			return app.Template, err
		}); err != nil {
			return app, err
		}
	}
	storage := spec.Storage
	if err := log.run(ctx, "choose storage", func() (string, error) {
		if storage == "" && storages == nil {
			if storages, err = d.Client.Storages(ctx, app.Node); err != nil {
				return "", err
			}
		}
		if storage == "" {
			storage, err = rootStorage(app.Node, storages)
		}
		return storage, err
	}); err != nil {
		return app, err
	}

	app.Storage = storage
	create := newContainer(spec, entry, app, storage)
	step, req := "create container", pveclient.ContainerCreation(create)
	if source != nil {
		step, req = "restore container", restoreRequest(create, spec.RestoreFrom, storage)
	}
	var upid string
	requested = true
	if err := log.run(ctx, step, func() (string, error) {
		app.VMID, upid, err = d.createWithFreshVMID(ctx, app.Node, req, create.ContainerSettings)
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
	if source != nil {
		if err := d.settleRestored(ctx, spec, source, &app, &log); err != nil {
			return app, err
		}
	}
	return d.finish(ctx, spec, entry, compose, app, &log, true)
}

// takePorts uses the pair of a proximity_port_allocation, or takes one for
// the application: the one a killed run of it left unclaimed, else a new one.
func (d *Service) takePorts(ctx context.Context, spec Spec, guests []pveclient.ClusterGuest, source *backupSource, app *App, log *stepLog) error {
	if spec.PortAllocationID != "" {
		return log.run(ctx, "use port allocation", func() (string, error) {
			a, ok, err := d.Ports.Get(ctx, spec.PortAllocationID)
			if err == nil && !ok {
				err = fmt.Errorf("port allocation %s is not in %s", spec.PortAllocationID, d.Ports.Store.Location())
			}
			app.PublicPort, app.InternalPort = a.PublicPort, a.InternalPort
			return fmt.Sprintf("public %d, internal %d from %s", a.PublicPort, a.InternalPort, spec.PortAllocationID), err
		})
	}
	return log.run(ctx, "allocate ports", func() (string, error) {
		var prefer []int
		if source != nil { // a restored app keeps its backup's pair when it is free
			prefer = []int{source.PublicPort, source.InternalPort}
		}
		a, reused, err := d.Ports.AllocateForApplication(ctx, spec.Hostname, taggedGuests(guests), prefer...)
		app.PublicPort, app.InternalPort, app.AllocationID = a.PublicPort, a.InternalPort, a.ID
		msg := fmt.Sprintf("public %d, internal %d", a.PublicPort, a.InternalPort)
		if reused {
			msg += " (taken back from an interrupted run)"
		}
		return msg, err
	})
}

// resume takes over a container whose deployment a killed run left
// unfinished: it records the pair from the container's tags, and goes on
// from waiting for its creation. Every later step is safe to repeat.
func (d *Service) resume(ctx context.Context, spec Spec, entry *catalog.App, compose []byte, app App, log *stepLog, saved func(App)) (App, error) {
	if err := log.run(ctx, "adopt ports", func() (string, error) {
		msg := fmt.Sprintf("public %d, internal %d", app.PublicPort, app.InternalPort)
		if spec.PortAllocationID != "" {
			a, ok, err := d.Ports.Get(ctx, spec.PortAllocationID)
			if err == nil && (!ok || a.PublicPort != app.PublicPort || a.InternalPort != app.InternalPort) {
				err = fmt.Errorf("CT %d records ports %d and %d, which are not those of port allocation %s",
					app.VMID, app.PublicPort, app.InternalPort, spec.PortAllocationID)
			}
			return msg + " from " + spec.PortAllocationID, err
		}
		a, err := d.Ports.Adopt(ctx, spec.Hostname, app.PublicPort, app.InternalPort)
		app.AllocationID = a.ID
		return msg, err
	}); err != nil {
		return app, err
	}
	saved(app)
	if err := log.run(ctx, "wait for create", func() (string, error) {
		return "", d.waitCreated(ctx, app.Node, app.VMID)
	}); err != nil {
		return app, err
	}
	if spec.RestoreFrom != "" {
		// The killed run may have stopped before it gave the restored
		// container its own network; doing it again changes nothing.
		if err := log.run(ctx, "apply network", func() (string, error) { return d.applyRestoredNetwork(ctx, spec, app) }); err != nil {
			return app, err
		}
	}
	return d.finish(ctx, spec, entry, compose, app, log, false)
}

// finish takes a created container to a running app: start, address,
// runtime, compose file, compose up and the service check. The deploying
// mark stays: Terraform records the app only after Create returns, and a run
// killed in between must still find the container as its own. The first
// read from a state that holds the app removes it (Confirm). A fresh
// container cannot be running yet; one taken over may be.
func (d *Service) finish(ctx context.Context, spec Spec, entry *catalog.App, compose []byte, app App, log *stepLog, fresh bool) (_ App, err error) {
	start := d.Client.StartGuest
	if fresh {
		start = d.Client.StartNewGuest
	}
	if err := log.run(ctx, "start", func() (string, error) { return "", start(ctx, app.Node, app.VMID) }); err != nil {
		return app, err
	}
	if err := log.run(ctx, "wait for address", func() (string, error) {
		app.IP, err = d.waitAddress(ctx, app.Node, app.VMID)
		return app.IP, err
	}); err != nil {
		return app, err
	}
	if spec.RestoreFrom != "" {
		if compose, err = d.settleRestoredApp(ctx, spec, entry, app, log); err != nil {
			return app, err
		}
	}
	if err := d.composeSteps(ctx, entry, compose, app, log); err != nil {
		return app, err
	}
	if spec.Stopped {
		if err := log.run(ctx, "stop", func() (string, error) { return "", d.Client.ShutdownGuest(ctx, app.Node, app.VMID, 60) }); err != nil {
			return app, err
		}
	}
	app.URL = appURL(entry, app.IP)
	return app, nil
}

// unmark removes the deploying mark from a container whose failed deployment
// the caller records, best effort: a run killed meanwhile leaves the mark,
// which is what a later run must then find.
func (d *Service) unmark(ctx context.Context, spec Spec, entry *catalog.App, app App) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	tags := ownTags(spec.Tags, entry.ID, app.Identity, app.PublicPort, app.InternalPort, false)
	if err := d.Client.UpdateContainerConfig(ctx, app.Node, app.VMID, pveclient.ContainerConfigUpdate{Tags: tags}); err != nil {
		tflog.Warn(ctx, "the deploying mark of a failed deployment stays", map[string]any{"vmid": app.VMID, "error": err.Error()})
	}
}

// gone reports whether a container is known to no longer exist.
func (d *Service) gone(ctx context.Context, app App) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := d.Client.GuestStatus(ctx, app.Node, app.VMID)
	return pveclient.IsNotFound(err)
}
