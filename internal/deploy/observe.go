package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Observed is what a read of an existing container finds.
type Observed struct {
	Gone                     bool
	Running                  bool
	Hostname, Description    string
	Memory, Cores, DiskGB    int
	Tags                     []string // the user's, without Proximity's own
	CatalogID                string
	Identity                 string // the px-id- tag: which create made the container
	PublicPort, InternalPort int
	Deploying                bool
	Unpublished              bool // the px-unpublished tag: the gateway serves no route for it
	IsGateway                bool // the px-gateway tag: the cluster's gateway
	// own are Proximity's own tags as the container carries them; a state
	// compares them with the ones it records (MissingTags).
	own               []string
	IP                string
	Bridge            string
	IPConfig, Gateway string // net0's ip= (dhcp or a CIDR) and gw=
	Storage           string // of the root disk
	Template          string
	URL               string // where the app answers: set with IP
	// Services are the app's compose services (ObserveServices); known
	// is false when they were not read: the container is stopped, no SSH
	// is configured, or the catalog no longer has the app.
	Services      []ServiceState
	ServicesKnown bool
	// ServicesProblem is why every service is ServiceUnknown: docker
	// did not answer in the container (a DockerError), for a warning.
	ServicesProblem string
	// Net are net0's controls and the DNS options (controls_network.go).
	Net NetworkOptions
	// Boot are the container's boot and guard options, every field set
	// (controls_boot.go).
	Boot Boot
	// Features are its feature flags beyond nesting (controls_boot_features.go).
	Features Features
	// Health is the app's health check as the services read ran it
	// (health_check.go); nil without one, or when not read.
	Health *HealthResult
	// MountPoints and Devices are the container's mpN and devN, in the
	// order of their keys (mounts.go, devices.go).
	MountPoints []MountPoint
	Devices     []Device
}

// Degraded reports whether the container runs but some service of its app
// does not: drift, which an apply repairs (compose up -d).
func (o Observed) Degraded() bool {
	return o.Running && (o.ServicesKnown && Degraded(o.Services) || o.Health != nil && !o.Health.OK)
}

// ObserveServices reads the services of a running container's app into o,
// sharing one SSH session per node with the other reads of the refresh
// (ReadServices). A refresh reads, it writes nothing: docker ps only.
func (d *Service) ObserveServices(ctx context.Context, node string, vmid int, o *Observed) error {
	if !o.Running || o.Gone || o.CatalogID == "" {
		return nil
	}
	services, health, known, err := d.ReadServicesHealth(ctx, node, vmid, o.CatalogID)
	var docker *DockerError
	if errors.As(err, &docker) {
		o.ServicesProblem, err = docker.Msg, nil
	}
	if err != nil {
		return err
	}
	o.Services, o.ServicesKnown, o.Health = services, known, health
	return nil
}

// Observe reads a container in two calls (config and status) and one more
// for the address of a running one.
func (d *Service) Observe(ctx context.Context, node string, vmid int) (Observed, error) {
	return d.observe(ctx, node, vmid, true, nil)
}

// ObserveCheap reads a container without its address. With a Snapshot it
// costs one call (the config) plus a share of the cluster listing; the
// status is asked for only when the listing does not confirm what the
// caller believes, since pvestatd's list can trail a start or a stop.
func (d *Service) ObserveCheap(ctx context.Context, node string, vmid int, believedRunning bool) (Observed, error) {
	return d.observe(ctx, node, vmid, false, &believedRunning)
}

func (d *Service) observe(ctx context.Context, node string, vmid int, withAddress bool, believedRunning *bool) (Observed, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return Observed{Gone: true}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	status, err := d.status(ctx, node, vmid, believedRunning)
	if pveclient.IsNotFound(err) {
		return Observed{Gone: true}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	net0 := cfg.Networks[0]
	o := Observed{
		Running: status == "running", Hostname: cfg.Hostname,
		Description: strings.TrimSuffix(cfg.Description, "\n"),
		Memory:      cfg.Memory, Cores: max(cfg.Cores, 1),
		Bridge: net0.Bridge, IPConfig: net0.IP, Gateway: net0.Gateway,
		Net:  observeNetwork(cfg),
		Boot: observeBoot(cfg),
	}
	o.MountPoints, o.Devices = ObservedMountPoints(cfg), ObservedDevices(cfg)
	if err := d.observeControls(ctx, vmid, cfg, &o); err != nil { // features, pool (controls_boot_pool.go)
		return Observed{}, err
	}
	if cfg.RootFS != nil {
		o.DiskGB, o.Storage = int(cfg.RootFS.Size>>30), cfg.RootFS.Storage()
	}
	for _, tag := range cfg.Tags {
		if isOwnTag(tag) {
			o.own = append(o.own, tag)
		}
		switch {
		case tag == TagProximity:
		case tag == TagDeploying:
			o.Deploying = true
		case tag == TagUnpublished:
			o.Unpublished = true // publish = false (gateway_routes.go)
		case tag == TagGateway:
			o.IsGateway = true // the cluster's gateway, never an app (gateway_create.go)
		case strings.HasPrefix(tag, TagApp):
			o.CatalogID = strings.TrimPrefix(tag, TagApp)
		case strings.HasPrefix(tag, TagID):
			o.Identity = strings.TrimPrefix(tag, TagID)
		case strings.HasPrefix(tag, allocstore.PublicTagPrefix):
			o.PublicPort, _ = strconv.Atoi(strings.TrimPrefix(tag, allocstore.PublicTagPrefix))
		case strings.HasPrefix(tag, allocstore.InternalTagPrefix):
			o.InternalPort, _ = strconv.Atoi(strings.TrimPrefix(tag, allocstore.InternalTagPrefix))
		default:
			o.Tags = append(o.Tags, tag)
		}
	}
	if o.Running && withAddress {
		if o.IP, err = d.Client.GuestIPv4(ctx, node, vmid); err != nil {
			return Observed{}, err
		}
		if entry, ok := d.Catalog.Get(o.CatalogID); ok && o.IP != "" {
			o.URL = appURL(entry, o.IP)
		}
	}
	return o, nil
}

// status is the container's status: from the shared snapshot when it agrees
// with what the caller believes, else from the node.
func (d *Service) status(ctx context.Context, node string, vmid int, believedRunning *bool) (string, error) {
	if d.Snapshot != nil && believedRunning != nil {
		g, ok, err := d.Snapshot.Guest(ctx, vmid)
		if err == nil && ok && g.Node == node && (g.Status == "running") == *believedRunning && g.Status != "unknown" {
			return g.Status, nil
		}
	}
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	return st.Status, err
}

// BelongsTo reports whether the observed container is the application a
// state records. A state that knows the identity its create gave the
// container wants exactly that identity: a VMID reused by someone else's
// guest, even one tagged like an app of ours, is not it. A state from before
// identities (identity "") falls back to the app and the ports.
func (o Observed) BelongsTo(identity, catalogID string, publicPort, internalPort int) bool {
	if identity != "" {
		return o.Identity == identity
	}
	return o.CatalogID == catalogID && o.PublicPort == publicPort && o.InternalPort == internalPort
}

// appURL is where the app answers on its container's address.
func appURL(entry *catalog.App, ip string) string {
	return fmt.Sprintf("http://%s:%d", ip, entry.MainPort())
}

// NewIdentity is the id a create gives its container: 48 random bits.
func NewIdentity() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// identityOf reads the px-id- tag among a container's tags.
func identityOf(tags []string) string {
	for _, t := range tags {
		if id, ok := strings.CutPrefix(t, TagID); ok {
			return id
		}
	}
	return ""
}
