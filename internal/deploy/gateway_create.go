package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The gateway's defaults: HAProxy in Alpine needs little.
const (
	DefaultGatewayHostname = "proximity-gateway"
	DefaultGatewayMemory   = 128 // MiB
	gatewayDiskGB          = 1
)

// GatewaySpec is what a gateway asks for.
type GatewaySpec struct {
	Hostname, Node, Storage, Template string
	Bridge, IPConfig, Gateway         string // net0: bridge, ip= and gw=
	Memory                            int
	VMID                              int // 0: the create chooses
	Identity                          string
	// IsolatedCIDR, when set, gives the gateway an isolated app network
	// (gateway_network.go) and a second interface on it.
	IsolatedCIDR string
}

// Gateway is a gateway container as a create or a read finds it.
type Gateway struct {
	VMID               int
	Node, Identity, IP string
	Hostname           string
	Memory             int
	Bridge, IPConfig   string
	Gateway            string
	Storage, Template  string
	Running, Gone      bool
	Routes             []Route
	Log                []Step
	RoutesKnown        bool // false when the configuration could not be read (stopped, or no SSH)
	RoutesProblem      string
	IsolatedCIDR       string // the isolated app network it serves, "" without one
	ProxyRunning       bool   // HAProxy runs in it: a stopped one serves no route
}

// ErrGatewayNeedsSSH is the gateway's need for the node commands: its proxy
// is installed and configured with pct exec and pct push, root@pam's alone.
var ErrGatewayNeedsSSH = errors.New("the gateway is installed and configured with pct exec and pct push on the node, " +
	"which PVE allows root@pam only: configure the provider's ssh block")

// gatewayTags are the gateway container's tags.
func gatewayTags(identity string, deploying bool) pveclient.Tags {
	tags := pveclient.Tags{TagProximity, TagGateway, TagID + identity}
	if deploying {
		tags = append(tags, TagDeploying)
	}
	sort.Strings(tags)
	return tags
}

// CreateGateway makes the gateway container from an Alpine template,
// installs HAProxy, takes the deploying mark off and syncs the routes. A
// failure after the container exists returns it (VMID set): the caller
// records it, and Terraform replaces it.
func (d *Service) CreateGateway(ctx context.Context, spec GatewaySpec) (gw Gateway, err error) {
	if d.Nodes == nil {
		return gw, ErrGatewayNeedsSSH
	}
	defer d.invalidate()
	log := newStepLog(spec.Hostname, "gateway", &gw.VMID)
	defer func() { gw.Log = log.steps }()
	gw = Gateway{Hostname: spec.Hostname, Identity: spec.Identity, Memory: cmp.Or(spec.Memory, DefaultGatewayMemory),
		Bridge: cmp.Or(spec.Bridge, DefaultBridge), IPConfig: cmp.Or(spec.IPConfig, DefaultIPConfig), Gateway: spec.Gateway}
	if err := log.run(ctx, "look for another gateway", func() (string, error) { return "none", d.refuseSecondGateway(ctx) }); err != nil {
		return gw, err
	}
	if err := log.run(ctx, "choose node", func() (string, error) {
		gw.Node, err = d.gatewayNode(ctx, spec.Node)
		return gw.Node, err
	}); err != nil {
		return gw, err
	}
	if err := log.run(ctx, "choose template and storage", func() (string, error) {
		err := d.gatewayPlace(ctx, spec, &gw)
		return gw.Template + " on " + gw.Storage, err
	}); err != nil {
		return gw, err
	}
	if spec.IsolatedCIDR != "" {
		if err := log.run(ctx, "isolated network", func() (string, error) {
			layout, err := LayoutIsolated(spec.IsolatedCIDR)
			if err != nil {
				return "", err
			}
			gw.IsolatedCIDR = layout.CIDR
			return fmt.Sprintf("SDN zone %s, vnet %s, subnet %s", IsolatedZone, IsolatedVnet, layout.CIDR), d.ensureIsolated(ctx, layout)
		}); err != nil {
			return gw, err
		}
	}
	if err := d.makeGateway(ctx, spec, &gw, &log); err != nil {
		return gw, err
	}
	if err := log.run(ctx, "install haproxy", func() (string, error) {
		if err := d.inContainer(ctx, gw.Node, gw.VMID, "apk", "add", "--no-cache", "haproxy"); err != nil {
			return "", err
		}
		return "enabled at boot", d.inContainer(ctx, gw.Node, gw.VMID, "rc-update", "add", "haproxy", "default")
	}); err != nil {
		return gw, err
	}
	if err := log.run(ctx, "finish", func() (string, error) {
		return "", d.Client.UpdateContainerConfig(ctx, gw.Node, gw.VMID, pveclient.ContainerConfigUpdate{Tags: gatewayTags(gw.Identity, false)})
	}); err != nil {
		return gw, err
	}
	// The gateway is made: a sync that fails now is repeated by the next
	// app change or the gateway's next apply (its plan shows the routes
	// missing), so it is a warning, not a failed create that Terraform
	// would replace with a new VMID and address.
	syncErr := log.run(ctx, "sync routes", func() (string, error) {
		sync, err := d.syncRoutes(ctx, &GatewayGuest{VMID: gw.VMID, Node: gw.Node, Identity: gw.Identity})
		gw.Routes, gw.RoutesKnown = sync.Routes, err == nil
		return fmt.Sprintf("%d routes", len(sync.Routes)), err
	})
	if syncErr != nil {
		gw.RoutesProblem = syncErr.Error()
	}
	return gw, nil
}

// SecondGatewayError is a create of a gateway in a cluster that has one.
type SecondGatewayError struct{ Existing GatewayGuest }

func (e *SecondGatewayError) Error() string {
	g := e.Existing
	return fmt.Sprintf("CT %d on %s is already this cluster's Proximity gateway; one gateway serves every application. Import it "+
		"instead of creating another (terraform import <address of this resource> %s/%d), or destroy it first; nothing was created",
		g.VMID, g.Node, g.Node, g.VMID)
}

// refuseSecondGateway fails a create when the cluster has a finished
// gateway, or one whose create did not finish. It runs at apply: a
// replacement destroys the old gateway first.
func (d *Service) refuseSecondGateway(ctx context.Context) error {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return err
	}
	if gateways := findGateways(guests); len(gateways) > 0 {
		return &SecondGatewayError{Existing: gateways[0]}
	}
	for _, g := range guests {
		if slices.Contains(g.Tags, TagGateway) && slices.Contains(g.Tags, TagProximity) && slices.Contains(g.Tags, TagDeploying) {
			// A killed run's, or another workspace's still running: which
			// one is not knowable here, so nothing touches it.
			return fmt.Errorf("CT %d on %s is a Proximity gateway whose create has not finished (%s): another apply may be creating "+
				"it, or a killed run left it. If no other apply runs, destroy it (pct destroy %d on %s) and apply again; nothing was "+
				"created", g.VMID, g.Node, TagDeploying, g.VMID, g.Node)
		}
	}
	return nil
}

// gatewayNode is the asked node, else the provider's default node, else
// the first online node.
func (d *Service) gatewayNode(ctx context.Context, asked string) (string, error) {
	if node := cmp.Or(asked, d.DefaultNode); node != "" {
		return node, nil
	}
	online, err := d.Client.OnlineNodes(ctx)
	if err != nil {
		return "", err
	}
	if len(online) == 0 {
		return "", errors.New("no node of the cluster is online")
	}
	return online[0], nil
}

// gatewayPlace chooses the root storage and the Alpine template.
func (d *Service) gatewayPlace(ctx context.Context, spec GatewaySpec, gw *Gateway) error {
	storages, err := d.Client.Storages(ctx, gw.Node)
	if err != nil {
		return err
	}
	if gw.Storage = spec.Storage; gw.Storage == "" {
		if gw.Storage, err = rootStorage(gw.Node, storages); err != nil {
			return err
		}
	}
	asked := spec.Template
	if asked == "" {
		if asked, err = d.newestAlpine(ctx, gw.Node, storages); err != nil {
			return err
		}
	}
	gw.Template, err = d.ensureTemplate(ctx, gw.Node, storages, asked)
	return err
}

// newestAlpine names the newest Alpine template on the node or in its
// appliance index: HAProxy is in Alpine's main repository.
func (d *Service) newestAlpine(ctx context.Context, node string, storages []pveclient.Storage) (string, error) {
	present, err := d.templatesOn(ctx, node, usableStorages(storages, "vztmpl"))
	if err != nil {
		return "", err
	}
	index, err := d.Client.ApplianceIndex(ctx, node)
	if err != nil {
		return "", err
	}
	alpineOnly := func(name string) bool { rel, ok := parseTemplateRelease(name); return ok && rel.distro == "alpine" }
	present = filterSlice(present, func(v pveclient.Volume) bool { return alpineOnly(v.VolID) })
	index = filterSlice(index, func(a pveclient.Appliance) bool { return alpineOnly(a.Template) })
	best, ok := defaultTemplate(present, index)
	if !ok {
		return "", fmt.Errorf("node %s has no Alpine template and its appliance index offers none; run `pveam update` on the node, "+
			"or set template to an Alpine template", node)
	}
	return cmp.Or(best.volid, best.name), nil
}

func filterSlice[T any](in []T, keep func(T) bool) []T {
	var out []T
	for _, v := range in {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// makeGateway creates and starts the container, and waits for its address.
func (d *Service) makeGateway(ctx context.Context, spec GatewaySpec, gw *Gateway, log *stepLog) error {
	yes, swap := true, 0
	settings := pveclient.ContainerSettings{
		Hostname: gw.Hostname, Memory: gw.Memory, Cores: 1, Swap: &swap,
		Networks:     gatewayNetworks(*gw),
		Unprivileged: &yes, OnBoot: &yes, Tags: gatewayTags(gw.Identity, true),
		Description: "Proximity gateway: serves every app of the cluster on its public port (terraform-provider-proximity).",
	}
	req := pveclient.ContainerCreateRequest{OSTemplate: gw.Template,
		RootFS: pveclient.ContainerMountPoint{Volume: fmt.Sprintf("%s:%d", gw.Storage, gatewayDiskGB)}, ContainerSettings: settings}
	var upid string
	if err := log.run(ctx, "create container", func() (string, error) {
		var err error
		gw.VMID, upid, err = d.createWithVMID(ctx, spec.VMID, gw.Node, req, settings)
		return fmt.Sprintf("CT %d on %s", gw.VMID, gw.Node), err
	}); err != nil {
		return err
	}
	if err := log.run(ctx, "wait for create", func() (string, error) {
		if upid == "" {
			return "task id lost; waited for the create lock", d.waitCreated(ctx, gw.Node, gw.VMID)
		}
		_, err := d.Client.WaitTask(ctx, upid)
		return "", err
	}); err != nil {
		return err
	}
	if err := log.run(ctx, "start", func() (string, error) { return "", d.Client.StartNewGuest(ctx, gw.Node, gw.VMID) }); err != nil {
		return err
	}
	gw.Running = true
	return log.run(ctx, "wait for address", func() (string, error) {
		var err error
		gw.IP, err = d.waitAddress(ctx, gw.Node, gw.VMID)
		return gw.IP, err
	})
}

// gatewayNetworks are the gateway's interfaces: eth0 where its users reach
// it, and eth1 on the isolated network, at the subnet's second address.
func gatewayNetworks(gw Gateway) map[int]pveclient.ContainerNetwork {
	nets := map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: gw.Bridge, IP: gw.IPConfig, Gateway: gw.Gateway}}
	if layout, err := LayoutIsolated(gw.IsolatedCIDR); gw.IsolatedCIDR != "" && err == nil {
		nets[1] = pveclient.ContainerNetwork{Name: "eth1", Bridge: IsolatedVnet, IP: layout.GatewayAddress}
	}
	return nets
}
