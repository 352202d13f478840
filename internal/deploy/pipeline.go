package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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

// Preferred templates, in order; the first present or downloadable is used.
var defaultTemplates = []string{"alpine-3.22-default_20250617_amd64.tar.xz", "debian-12-standard_12.7-1_amd64.tar.zst"}

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

// tags are the user's tags plus Proximity's own, which record the app and
// its ports on the container so that any machine can see them.
func tags(spec Spec, entry *catalog.App, app App, deploying bool) []string {
	out := append([]string{}, spec.Tags...)
	out = append(out, TagProximity, TagApp+entry.ID, allocstore.PublicTagPrefix+strconv.Itoa(app.PublicPort), allocstore.InternalTagPrefix+strconv.Itoa(app.InternalPort))
	if deploying {
		out = append(out, TagDeploying)
	}
	sort.Strings(out)
	return out
}

func containerOptions(spec Spec, entry *catalog.App, app App, storage string) map[string]any {
	bridge := spec.Bridge
	if bridge == "" {
		bridge = "vmbr0"
	}
	ip := spec.IPConfig
	if ip == "" {
		ip = "dhcp"
	}
	net := "name=eth0,bridge=" + bridge + ",ip=" + ip
	if spec.Gateway != "" {
		net += ",gw=" + spec.Gateway
	}
	opts := map[string]any{
		"ostemplate": app.Template, "hostname": spec.Hostname, "memory": app.Memory, "cores": app.Cores, "swap": 512,
		"rootfs": fmt.Sprintf("%s:%d", storage, app.DiskGB), "net0": net, "unprivileged": 1, "features": "nesting=1,keyctl=1",
		"onboot": 1, "tags": strings.Join(tags(spec, entry, app, true), ";"),
	}
	if spec.Description != "" {
		opts["description"] = spec.Description
	}
	if spec.Password != "" {
		opts["password"] = spec.Password
	}
	if spec.SSHPublicKeys != "" {
		opts["ssh-public-keys"] = spec.SSHPublicKeys
	}
	return opts
}

// chooseNode takes the asked node, the default one, or the online node with
// the most free memory that fits the app.
func (d *Deps) chooseNode(ctx context.Context, asked string, memoryMB int) (string, error) {
	nodes, err := d.Client.Nodes(ctx)
	if err != nil {
		return "", err
	}
	want := asked
	if want == "" {
		want = d.DefaultNode
	}
	var names []string
	best, bestFree := "", int64(-1)
	for _, n := range nodes {
		names = append(names, n.Name)
		if want != "" && n.Name == want {
			if !n.Online {
				return "", fmt.Errorf("node %s is offline", want)
			}
			return want, nil
		}
		if n.Online && n.MemoryFree() >= int64(memoryMB)<<20 && n.MemoryFree() > bestFree {
			best, bestFree = n.Name, n.MemoryFree()
		}
	}
	if want != "" {
		return "", fmt.Errorf("node %q is not in the cluster (nodes: %s)", want, strings.Join(names, ", "))
	}
	if best == "" {
		return "", fmt.Errorf("no online node has %d MB of memory free", memoryMB)
	}
	return best, nil
}

// ensureTemplate returns the template volid, downloading it when missing.
func (d *Deps) ensureTemplate(ctx context.Context, node string, storages []pveclient.Storage, asked string) (string, error) {
	var store string
	for _, s := range storages {
		if s.Holds("vztmpl") {
			store = s.ID
			break
		}
	}
	if store == "" {
		return "", fmt.Errorf("node %s has no storage for templates", node)
	}
	present, err := d.Client.Content(ctx, node, store, "vztmpl", 0)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, v := range present {
		have[v.VolID] = true
	}
	candidates := defaultTemplates
	if asked != "" {
		if strings.Contains(asked, ":") {
			if have[asked] {
				return asked, nil
			}
			asked = asked[strings.LastIndex(asked, "/")+1:]
		}
		candidates = []string{asked}
	}
	for _, name := range candidates {
		if have[store+":vztmpl/"+name] {
			return store + ":vztmpl/" + name, nil
		}
	}
	if err := d.Client.DownloadTemplate(ctx, node, store, candidates[0]); err != nil {
		return "", fmt.Errorf("template %s is not on %s and could not be downloaded: %w", candidates[0], node, err)
	}
	return store + ":vztmpl/" + candidates[0], nil
}

func rootStorage(node string, storages []pveclient.Storage) (string, error) {
	for _, s := range storages { // most free space first
		if s.Holds("rootdir") {
			return s.ID, nil
		}
	}
	return "", fmt.Errorf("node %s has no storage for container disks", node)
}

// createWithFreshVMID picks a VMID and posts the create under the allocation
// store's lock, so that concurrent runs never pick the same one; a VMID taken
// meanwhile by something else is retried with a new one.
func (d *Deps) createWithFreshVMID(ctx context.Context, node string, options map[string]any) (int, string, error) {
	for attempt := 0; attempt < 5; attempt++ {
		var vmid int
		var upid string
		err := d.Ports.Store.Update(ctx, func(*allocstore.Table) error {
			var err error
			if vmid, err = d.Client.NextID(ctx); err != nil {
				return err
			}
			free, err := d.Client.VMIDFree(ctx, vmid)
			if err != nil {
				return err
			}
			if !free {
				return errVMIDTaken
			}
			upid, err = d.Client.StartCreateGuest(ctx, node, vmid, options)
			return err
		})
		switch kind := pveclient.KindOf(err); {
		case err == nil:
			return vmid, upid, nil
		case errors.Is(err, errVMIDTaken), kind == pveclient.KindAlreadyExists:
			continue
		case kind == pveclient.KindTransient || kind == pveclient.KindLocked:
			// The answer was lost: the create may or may not have happened.
			ours, checkErr := d.isOurs(ctx, node, vmid, options)
			if checkErr != nil {
				return 0, "", checkErr
			}
			if ours {
				return vmid, "", nil
			}
			continue
		}
		return 0, "", err
	}
	return 0, "", errors.New("every VMID tried was taken meanwhile; try again")
}

var errVMIDTaken = errors.New("VMID taken")

// isOurs reports whether a container now under vmid is the one these
// options create: same hostname, and still marked as being deployed.
func (d *Deps) isOurs(ctx context.Context, node string, vmid int, options map[string]any) (bool, error) {
	cfg, err := d.Client.GuestConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return cfg.String("hostname") == fmt.Sprint(options["hostname"]) && strings.Contains(cfg.String("tags"), TagDeploying), nil
}

// waitCreated waits for a create whose task id was lost: until the config
// no longer holds the create lock.
func (d *Deps) waitCreated(ctx context.Context, node string, vmid int) error {
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		st, err := d.Client.GuestStatus(ctx, node, vmid)
		if err != nil {
			return err
		}
		if st.Lock != "create" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

func (d *Deps) waitAddress(ctx context.Context, node string, vmid int) (string, error) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		ip, err := d.Client.GuestIPv4(ctx, node, vmid)
		if err != nil {
			return "", err
		}
		if ip != "" {
			return ip, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("CT %d got no IPv4 address on eth0: %w", vmid, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// commandAttempts bounds the retries of a failing in-container command:
// every command the pipeline runs is safe to repeat (package installs,
// mkdir -p, pct push, compose up -d), and mirrors and registries fail now and then.
const commandAttempts = 5

// inContainer runs argv in the container, retrying a failure a few times,
// and fails with the command's output.
func (d *Deps) inContainer(ctx context.Context, node string, vmid int, argv ...string) error {
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		return nil
	})
}

// output runs argv in the container and returns its stdout, retrying failures.
func (d *Deps) output(ctx context.Context, node string, vmid int, argv ...string) (string, error) {
	var out string
	err := retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		out = res.Stdout
		return nil
	})
	return out, err
}

func retryCommand(ctx context.Context, fn func() error) error {
	var err error
	for attempt, delay := 1, 200*time.Millisecond; ; attempt, delay = attempt+1, 2*delay {
		if err = fn(); err == nil || attempt == commandAttempts || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// installRuntime installs Docker and compose unless present, and returns the
// compose command to use.
func (d *Deps) installRuntime(ctx context.Context, node string, vmid int) ([]string, error) {
	// A probe, not retried: failing is its usual answer on a new container.
	probe, err := d.Nodes.Run(ctx, node, PctExec(vmid, "sh", "-c", "docker compose version && docker info"), nil)
	if err != nil {
		return nil, err
	}
	if probe.ExitCode == 0 {
		return []string{"docker", "compose"}, nil
	}
	osRelease, err := d.output(ctx, node, vmid, "cat", "/etc/os-release")
	if err != nil {
		return nil, err
	}
	// One command at a time, so that a retry repeats only what failed.
	steps := [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "docker.io", "docker-compose"}}
	compose := []string{"docker-compose"}
	if strings.Contains(osRelease, "ID=alpine") {
		steps = [][]string{{"apk", "add", "--no-cache", "docker", "docker-cli-compose"}, {"rc-update", "add", "docker", "default"}, {"service", "docker", "start"}}
		compose = []string{"docker", "compose"}
	}
	for _, argv := range steps {
		if err := d.inContainer(ctx, node, vmid, argv...); err != nil {
			return nil, fmt.Errorf("installing Docker: %w", err)
		}
	}
	return compose, d.inContainer(ctx, node, vmid, "docker", "info")
}

// pushFile writes a file into the container through the node: the content
// travels on stdin, never on a command line.
func (d *Deps) pushFile(ctx context.Context, node string, vmid int, dir, name string, content []byte) error {
	if err := d.inContainer(ctx, node, vmid, "mkdir", "-p", dir); err != nil {
		return err
	}
	tmp := fmt.Sprintf("/tmp/proximity-%d-%s", vmid, name)
	script := "cat > " + Quote(tmp) + " && " + Command("pct", "push", strconv.Itoa(vmid), tmp, dir+"/"+name, "--perms", "0600") + "; status=$?; rm -f " + Quote(tmp) + "; exit $status"
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, script, strings.NewReader(string(content)))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pct push exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return nil
	})
}

func (d *Deps) checkServices(ctx context.Context, node string, vmid int, compose []string, entry *catalog.App) (string, error) {
	ps, err := d.output(ctx, node, vmid, append(compose, "-p", entry.ID, "ps", "--format", "json")...)
	if err != nil {
		return "", err
	}
	running := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(ps), "\n") {
		var svc struct{ Service, State string }
		if json.Unmarshal([]byte(line), &svc) == nil && svc.State == "running" {
			running[svc.Service] = true
		}
	}
	var missing []string
	for _, name := range entry.ServiceNames() {
		if !running[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("services not running after compose up: %s", strings.Join(missing, ", "))
	}
	return strings.Join(entry.ServiceNames(), ", ") + " running", nil
}

// Destroy stops (gracefully, then by force) and destroys a container, and
// releases its ports; a container already gone is fine.
func (d *Deps) Destroy(ctx context.Context, node string, vmid int, allocationID string) error {
	if vmid != 0 {
		if err := d.Client.ShutdownGuest(ctx, node, vmid, 30); err != nil && !pveclient.IsNotFound(err) {
			if err := d.Client.StopGuest(ctx, node, vmid); err != nil && !pveclient.IsNotFound(err) {
				return err
			}
		}
		if err := d.Client.DeleteGuest(ctx, node, vmid); err != nil {
			return err
		}
	}
	if allocationID != "" {
		return d.Ports.Release(ctx, allocationID)
	}
	return nil
}

// Observed is what a read of an existing container finds.
type Observed struct {
	Gone                     bool
	Running                  bool
	Hostname, Description    string
	Memory, Cores, DiskGB    int
	Tags                     []string // the user's, without Proximity's own
	CatalogID                string
	PublicPort, InternalPort int
	Deploying                bool
	IP                       string
	Bridge                   string
	Template                 string
}

// Observe reads a container in two calls (config and status) and one more
// for the address of a running one.
func (d *Deps) Observe(ctx context.Context, node string, vmid int) (Observed, error) {
	return d.observe(ctx, node, vmid, true)
}

// ObserveCheap is Observe in two calls: config and status, without the address.
func (d *Deps) ObserveCheap(ctx context.Context, node string, vmid int) (Observed, error) {
	return d.observe(ctx, node, vmid, false)
}

func (d *Deps) observe(ctx context.Context, node string, vmid int, withAddress bool) (Observed, error) {
	cfg, err := d.Client.GuestConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return Observed{Gone: true}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	st, err := d.Client.GuestStatus(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return Observed{Gone: true}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	o := Observed{
		Running: st.Status == "running", Hostname: cfg.String("hostname"),
		Description: strings.TrimSuffix(cfg.String("description"), "\n"),
		Memory:      cfg.Int("memory"), Cores: max(cfg.Int("cores"), 1), DiskGB: int(diskSize(cfg.String("rootfs")) >> 30),
		Bridge: propertyOf(cfg.String("net0"), "bridge"),
	}
	for _, tag := range strings.Split(cfg.String("tags"), ";") {
		switch {
		case tag == "":
		case tag == TagProximity:
		case tag == TagDeploying:
			o.Deploying = true
		case strings.HasPrefix(tag, TagApp):
			o.CatalogID = strings.TrimPrefix(tag, TagApp)
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
	}
	return o, nil
}

func propertyOf(s, key string) string {
	for _, part := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// diskSize reads size= of a volume property string ("local-lvm:vm-100-disk-0,size=8G").
func diskSize(rootfs string) int64 {
	size := propertyOf(rootfs, "size")
	if size == "" {
		return 0
	}
	unit := map[byte]int64{'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}[size[len(size)-1]]
	if unit == 0 {
		n, _ := strconv.ParseInt(size, 10, 64)
		return n
	}
	f, _ := strconv.ParseFloat(size[:len(size)-1], 64)
	return int64(f * float64(unit))
}

// Change is an in-place update of an application.
type Change struct {
	Memory, Cores, DiskGB int // 0: unchanged
	Description           *string
	Tags                  []string // nil: unchanged
	Environment           map[string]string
	Redeploy              bool // environment changed: render and compose up again
	Restart               bool // restart triggers changed
	Running               *bool
	CatalogID, Hostname   string
	PublicPort            int
	InternalPort          int
}

// Update applies in-place changes and returns the steps it took.
func (d *Deps) Update(ctx context.Context, node string, vmid int, c Change) ([]Step, error) {
	var log stepLog
	entry, ok := d.Catalog.Get(c.CatalogID)
	if !ok {
		return nil, fmt.Errorf("the catalog has no app %q", c.CatalogID)
	}
	set := map[string]any{}
	if c.Memory != 0 {
		set["memory"] = c.Memory
	}
	if c.Cores != 0 {
		set["cores"] = c.Cores
	}
	if c.Description != nil {
		set["description"] = *c.Description
	}
	if c.Tags != nil {
		set["tags"] = strings.Join(tags(Spec{Tags: c.Tags}, entry, App{PublicPort: c.PublicPort, InternalPort: c.InternalPort}, false), ";")
	}
	var remove []string
	if c.Description != nil && *c.Description == "" {
		delete(set, "description")
		remove = append(remove, "description")
	}
	if len(set) > 0 || len(remove) > 0 {
		if err := log.run(ctx, "update config", func() (string, error) {
			return fmt.Sprintf("%d options", len(set)+len(remove)), d.Client.UpdateGuestConfig(ctx, node, vmid, set, remove, "")
		}); err != nil {
			return log.steps, err
		}
	}
	if c.DiskGB != 0 {
		if err := log.run(ctx, "grow disk", func() (string, error) {
			return fmt.Sprintf("%dG", c.DiskGB), d.Client.GrowDisk(ctx, node, vmid, "rootfs", fmt.Sprintf("%dG", c.DiskGB))
		}); err != nil {
			return log.steps, err
		}
	}
	if c.Running != nil && *c.Running {
		if err := log.run(ctx, "start", func() (string, error) { return "", d.Client.StartGuest(ctx, node, vmid) }); err != nil {
			return log.steps, err
		}
	}
	if c.Redeploy || c.Restart {
		compose := []string{"docker", "compose"}
		dir := "/opt/proximity/" + entry.ID
		if c.Redeploy {
			rendered, err := RenderCompose(ctx, entry, c.Environment)
			if err != nil {
				return log.steps, err
			}
			if err := log.run(ctx, "write compose file", func() (string, error) {
				return dir + "/compose.yaml", d.pushFile(ctx, node, vmid, dir, "compose.yaml", rendered)
			}); err != nil {
				return log.steps, err
			}
		}
		action := []string{"up", "-d"}
		if !c.Redeploy {
			action = []string{"restart"}
		}
		if err := log.run(ctx, "compose "+action[0], func() (string, error) {
			return "", d.inContainer(ctx, node, vmid, append(append(compose, "-f", dir+"/compose.yaml", "-p", entry.ID), action...)...)
		}); err != nil {
			return log.steps, err
		}
	}
	if c.Running != nil && !*c.Running {
		if err := log.run(ctx, "stop", func() (string, error) { return "", d.Client.ShutdownGuest(ctx, node, vmid, 60) }); err != nil {
			return log.steps, err
		}
	}
	return log.steps, nil
}
