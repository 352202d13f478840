package deploy

import (
	"context"
	"errors"
	"fmt"
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
	TagDeploying = "px-deploying" // a create of the container has not finished yet (see release)
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
	// Services, when set, shares one read of each node's app services
	// between the reads of a refresh (services_cache.go); every change
	// this process makes drops it.
	Services *ServicesCache
	// Claims, when set, are the hostnames the creates of this run deploy:
	// two resources of one run never get one container or one pair.
	Claims *Claims
	// Placement is the rule that chooses the node of an app that names
	// none: PlacementPack (also when empty) or PlacementSpread.
	Placement string
	// VMIDRange, when set, is where a create that names no VMID takes one
	// (vmid.go).
	VMIDRange *VMIDRange
	// GatewayAddress, when set, shares one lookup of the gateway's address
	// between the reads of a refresh (gateway_urls.go); every change this
	// process makes drops it.
	GatewayAddress *GatewayAddressCache
}

// Claims records the hostnames this provider process deploys, and the
// nodes it chose for them (chooseNode).
type Claims struct {
	names  sync.Map
	placed placements
}

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
	d.Services.drop()
	d.GatewayAddress.drop()
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
	// GeneratedSecrets are the known values of the catalog's secrets that
	// Environment does not set; a secret without one gets a new value
	// (GeneratedSecrets). A restore keeps the backup's instead.
	GeneratedSecrets map[string]string
	// Net are net0's controls beyond bridge and IPv4, and the DNS
	// options (controls_network.go).
	Net NetworkOptions
	// VMID is the container's VMID; 0 lets the create choose (vmid.go).
	VMID int
	// Boot are the boot and guard options (controls_boot.go).
	Boot Boot
	// Features are the feature flags beyond nesting (controls_boot_features.go).
	Features Features
	// Mounts are the container's mount points and devices (mounts.go).
	Mounts Mounts
	// HealthPath is the path of the app's health check ("": none), which
	// the create records and checks after the services (health_steps.go).
	HealthPath string
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
	// GeneratedSecrets are the values a create without a restore ran the
	// app's secrets with (Spec.GeneratedSecrets).
	GeneratedSecrets map[string]string
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

// creation is one create as its phases share it.
type creation struct {
	spec    Spec
	entry   *catalog.App
	compose []byte
	app     App // app.VMID is 0 while no container exists
	log     stepLog
	saved   func(App)
	// requested is true once a create or restore request was sent: PVE
	// may have made the container even if no answer came back.
	requested bool
	// created is true once PVE accepted the create or restore request.
	created bool
}

// create is Create; app.VMID is 0 when no container exists. A create that
// its context stopped returns an InterruptedError. A cancelled one cleans
// nothing up once its create request may have reached PVE: the next run
// resumes what it left, as after a kill. A create that succeeded takes the
// deploying mark off as its very last write (release).
func (d *Service) create(ctx context.Context, spec Spec, saved func(App)) (app App, err error) {
	c := &creation{spec: spec, saved: saved}
	c.log = newStepLog(spec.Hostname, spec.CatalogID, &c.app.VMID)
	defer func() {
		c.app.Log = c.log.steps
		app, err = c.app, interrupted(ctx, err, c.app, c.requested)
	}()
	defer d.invalidate()
	if err := d.prepare(ctx, c); err != nil {
		return c.app, err
	}
	ctx = hideGenerated(ctx, c.app.GeneratedSecrets) // secrets_kept.go
	defer func() {
		if err != nil && c.app.VMID != 0 && !cancelled(ctx) {
			// The caller records the container (Terraform taints it): it is
			// no longer an unfinished deployment for another run to take.
			// A cancelled one is, and keeps its mark.
			d.unmark(ctx, spec, c.entry, c.app)
		}
	}()
	if !d.Claims.claim(spec.Hostname) {
		return c.app, fmt.Errorf("another application of this configuration also has the hostname %q; "+
			"hostnames name applications, give each its own", spec.Hostname)
	}
	guests, err := d.lookForUnfinished(ctx, c)
	if err != nil {
		return c.app, err
	}
	if c.app.VMID != 0 {
		c.app, err = d.resume(ctx, spec, c.entry, c.compose, c.app, &c.log, saved)
	} else {
		err = d.createAnew(ctx, c, guests)
	}
	if err != nil {
		return c.app, err
	}
	return c.app, d.release(ctx, c)
}

// prepare reads the catalog entry, checks the sizes asked for and renders
// the compose file: everything a create can refuse before it asks PVE
// anything.
func (d *Service) prepare(ctx context.Context, c *creation) (err error) {
	if err := d.placeIsolated(ctx, &c.spec); err != nil { // the gateway's node (gateway_network.go)
		return err
	}
	if c.entry, err = d.CatalogApp(c.spec.CatalogID); err != nil {
		return err
	}
	if errs := CheckSizes(c.entry, c.spec.Memory, c.spec.Cores, c.spec.DiskGB); len(errs) > 0 {
		return errs[0]
	}
	leastMemory, leastCores, leastDisk := Minimums(c.entry)
	c.app.Memory, c.app.Cores, c.app.DiskGB = max(c.spec.Memory, leastMemory), max(c.spec.Cores, leastCores), max(c.spec.DiskGB, leastDisk)
	secrets := GeneratedSecrets(c.entry, c.spec.Environment, c.spec.GeneratedSecrets)
	if c.spec.RestoreFrom == "" {
		c.app.GeneratedSecrets = secrets // a restore keeps the backup's (settleRestoredApp)
	}
	c.compose, err = RenderCompose(ctx, c.entry, withSecrets(c.spec.Environment, secrets))
	return err
}

// lookForUnfinished refuses a hostname that is another application's, and
// finds the container a killed run of this app left under it (c.app then
// holds it: resume goes on with it). It returns the cluster's guests, which
// the port allocation reads.
func (d *Service) lookForUnfinished(ctx context.Context, c *creation) (guests []pveclient.ClusterGuest, err error) {
	spec := c.spec
	err = c.log.run(ctx, "look for an unfinished deployment", func() (string, error) {
		if guests, err = d.Client.ClusterGuests(ctx); err != nil {
			return "", err
		}
		if g := appNamed(guests, spec.Hostname, c.entry.ID); g != nil {
			return "", hostnameHeld(spec.Hostname, g)
		}
		g := unfinished(guests, spec, c.entry)
		if g == nil {
			return "none", nil
		}
		if spec.VMID != 0 && g.VMID != spec.VMID {
			// Resuming it would give the app another VMID than the
			// configuration's; a second container would leave it behind.
			return "", fmt.Errorf("CT %d on %s, left by an interrupted run of %s, has VMID %d, not the configured vmid %d: "+
				"remove vmid from the configuration to resume it, or delete CT %d first", g.VMID, g.Node, spec.Hostname, g.VMID, spec.VMID, g.VMID)
		}
		proven, why, err := d.provenUnfinished(ctx, spec, g)
		if err != nil {
			return "", fmt.Errorf("checking CT %d, which looks like an unfinished deployment, against the allocation table: %w", g.VMID, err)
		}
		if !proven {
			tflog.Warn(ctx, "a container that looks like an unfinished deployment is left alone",
				map[string]any{"vmid": g.VMID, "node": g.Node, "reason": why})
			return fmt.Sprintf("CT %d on %s looks like one but %s: left alone", g.VMID, g.Node, why), nil
		}
		c.app.VMID, c.app.Node, c.app.Template, c.app.Storage = g.VMID, g.Node, spec.Template, spec.Storage
		c.app.PublicPort, c.app.InternalPort = portsOf(g.Tags)
		c.app.Identity = identityOf(g.Tags)
		return fmt.Sprintf("CT %d on %s, left by an interrupted run: taking it over", g.VMID, g.Node), nil
	})
	return guests, err
}

// release takes the deploying mark off the container of a create that
// succeeded, as its last write before Terraform records the app: from now
// on no other run, of this state or another, takes the container for an
// unfinished deployment. A run killed between this write and Terraform's
// state write leaves an unmarked app that no state holds: the next create
// of its hostname is refused (appNamed) and says to import it; nothing is
// taken over, destroyed or leaked. A failed write fails the create (the
// container is recorded, tainted), rather than leave a live app marked.
func (d *Service) release(ctx context.Context, c *creation) error {
	tags := ownTags(c.spec.Tags, c.entry.ID, c.app.Identity, c.app.PublicPort, c.app.InternalPort, false)
	if err := d.Client.UpdateContainerConfig(ctx, c.app.Node, c.app.VMID, pveclient.ContainerConfigUpdate{Tags: tags,
		Boot: pveclient.BootOptions{Protection: c.spec.Boot.protectOnRelease()}}); err != nil {
		return fmt.Errorf("the app runs in CT %d on %s, but its %s mark could not be removed: %w", c.app.VMID, c.app.Node, TagDeploying, err)
	}
	return nil
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
// mark stays: a run killed meanwhile must still find the container as its
// own; a create removes it once everything succeeded (release), a take-over
// of an imported container or a restore in place never had it. A fresh
// container cannot be running yet; one taken over may be.
func (d *Service) finish(ctx context.Context, spec Spec, entry *catalog.App, compose []byte, app App, log *stepLog, fresh bool) (_ App, err error) {
	if err := d.attachMounts(ctx, spec, app, log); err != nil { // before the start: no restart (mounts_apply.go)
		return app, err
	}
	if err := d.attachFeatures(ctx, spec, app, log); err != nil { // before the start too (controls_boot_features.go)
		return app, err
	}
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
	} else if !fresh {
		if compose, app, err = d.resumedSecrets(ctx, spec, entry, compose, app); err != nil { // secrets_kept.go
			return app, err
		}
		ctx = hideGenerated(ctx, app.GeneratedSecrets) // those read back from its compose file too
	}
	if err := d.composeSteps(ctx, entry, compose, app, log); err != nil {
		return app, err
	}
	if spec.HealthPath != "" || spec.RestoreFrom != "" { // a restored archive may hold another check
		if err := d.applyHealthCheck(ctx, app.Node, app.VMID, entry, spec.HealthPath, true, log); err != nil {
			return app, err
		}
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
