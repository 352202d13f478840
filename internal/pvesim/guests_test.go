package pvesim

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"
)

var upidRe = regexp.MustCompile(`^UPID:pve[0-9]+:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[a-z]+:[^:]*:[^:]+:$`)

// TestContainerLifecycleWithGoProxmox runs create, read, update, power and
// delete through go-proxmox v0.8.2, the client our provider is built on.
func TestContainerLifecycleWithGoProxmox(t *testing.T) {
	// Slow enough that the create task is still running when we look.
	sim := startSim(t, Options{TimeScale: 0.2})
	c := pveClient(t, sim)
	node, err := c.Node(ctx(t), "pve2")
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := c.Cluster(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	vmid, err := cluster.NextID(ctx(t))
	if err != nil || vmid != 100 {
		t.Fatalf("NextID = %d, %v", vmid, err)
	}
	task, err := node.NewContainer(ctx(t), vmid,
		proxmox.ContainerOption{Name: "ostemplate", Value: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"},
		proxmox.ContainerOption{Name: "hostname", Value: "web"},
		proxmox.ContainerOption{Name: "rootfs", Value: "local-lvm:8"},
		proxmox.ContainerOption{Name: "memory", Value: 1024},
		proxmox.ContainerOption{Name: "net0", Value: "name=eth0,bridge=vmbr0,ip=dhcp"},
		proxmox.ContainerOption{Name: "unprivileged", Value: true},
		proxmox.ContainerOption{Name: "tags", Value: "Proximity,web;proximity"},
		proxmox.ContainerOption{Name: "description", Value: "app"},
	)
	if err != nil {
		t.Fatalf("NewContainer: %v", err)
	}
	if !upidRe.MatchString(string(task.UPID)) || task.Type != "vzcreate" || task.ID != "100" {
		t.Fatalf("UPID %q type %q id %q", task.UPID, task.Type, task.ID)
	}
	// While the create task runs, its worker holds the config lock
	// (create_vm's realcmd runs everything inside lock_config), so a change
	// waits for it (up to 10 s) and then finds the 'create' lock gone.
	r := call(t, sim, http.MethodPut, "/nodes/pve2/lxc/100/config", url.Values{"memory": {"1024"}})
	if r.Status != 200 {
		t.Errorf("config during create: %d %q, want it to wait for the create worker", r.Status, r.Reason)
	}
	if err := task.Wait(ctx(t), 5*time.Millisecond, 30*time.Second); err != nil {
		t.Fatalf("create wait: %v", err)
	}
	if !task.IsSuccessful {
		t.Fatalf("create failed: %s", task.ExitStatus)
	}

	ct, err := node.Container(ctx(t), vmid)
	if err != nil {
		t.Fatalf("Container: %v", err)
	}
	cfg := ct.ContainerConfig
	if cfg.Hostname != "web" || cfg.Memory == nil || *cfg.Memory != 1024 || cfg.Tags != "proximity;web" || cfg.Description != "app\n" {
		t.Errorf("config hostname=%q memory=%v tags=%q description=%q", cfg.Hostname, deref(cfg.Memory), cfg.Tags, cfg.Description)
	}
	if !regexp.MustCompile(`hwaddr=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}`).MatchString(cfg.Nets["net0"]) ||
		!strings.Contains(cfg.Nets["net0"], "type=veth") {
		t.Errorf("net0 %q lacks a generated hwaddr or type=veth", cfg.Nets["net0"])
	}
	if ct.Status != "stopped" {
		t.Errorf("status %q", ct.Status)
	}

	task, err = ct.Start(ctx(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := task.Wait(ctx(t), 5*time.Millisecond, 30*time.Second); err != nil || !task.IsSuccessful {
		t.Fatalf("start: %v %s", err, task.ExitStatus)
	}
	if _, err := ct.Start(ctx(t)); err == nil || !strings.Contains(err.Error(), "CT 100 already running") {
		t.Errorf("second start: %v", err)
	}
	ifaces, err := ct.Interfaces(ctx(t))
	if err != nil {
		t.Fatalf("Interfaces: %v", err)
	}
	if len(ifaces) != 2 || ifaces[1].Inet == "" || !strings.HasPrefix(ifaces[1].Inet, "10.10.") {
		t.Errorf("interfaces %+v: eth0 should have a DHCP address", ifaces)
	}

	// Update in place, with the digest as a careful client sends it.
	if _, err := ct.Config(ctx(t), proxmox.ContainerOption{Name: "memory", Value: 2048},
		proxmox.ContainerOption{Name: "digest", Value: cfg.Digest}); err != nil {
		t.Fatalf("Config: %v", err)
	}
	if _, err := ct.Config(ctx(t), proxmox.ContainerOption{Name: "cores", Value: 2},
		proxmox.ContainerOption{Name: "digest", Value: cfg.Digest}); err == nil {
		t.Errorf("stale digest %s accepted; config now %v", cfg.Digest, data(call(t, sim, http.MethodGet, "/nodes/pve2/lxc/100/config", nil)))
	}
	ct, _ = node.Container(ctx(t), vmid)
	if ct.ContainerConfig.Memory == nil || *ct.ContainerConfig.Memory != 2048 || ct.MaxMem != 2048<<20 {
		t.Errorf("memory after update: config %v maxmem %d", ct.ContainerConfig.Memory, ct.MaxMem)
	}

	// Resources show the guest; a brand-new guest may be "unknown" for a while.
	rs, err := cluster.Resources(ctx(t), "vm")
	if err != nil || len(rs) != 1 || rs[0].ID != "lxc/100" || rs[0].Node != "pve2" || rs[0].Tags != "proximity;web" {
		t.Fatalf("resources %+v %v", rs, err)
	}

	if _, err := ct.Delete(ctx(t), nil); err == nil || !strings.Contains(err.Error(), "unable to destroy CT 100 - container is running") {
		t.Errorf("delete while running: %v", err)
	}
	task, err = ct.Shutdown(ctx(t), false, 30)
	if err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := task.Wait(ctx(t), 5*time.Millisecond, 30*time.Second); err != nil || !task.IsSuccessful {
		t.Fatalf("shutdown: %v %s", err, task.ExitStatus)
	}
	task, err = ct.Delete(ctx(t), nil)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := task.Wait(ctx(t), 5*time.Millisecond, 30*time.Second); err != nil || !task.IsSuccessful {
		t.Fatalf("delete: %v %s", err, task.ExitStatus)
	}
	if _, err := node.Container(ctx(t), vmid); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("container after delete: %v", err)
	}
	content := call(t, sim, http.MethodGet, "/nodes/pve2/storage/local-lvm/content", nil)
	if n := len(mustSlice(t, data(content))); n != 0 {
		t.Errorf("%d volumes left on local-lvm after delete", n)
	}
}

func TestTaskLogAndLists(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	tasks := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks", nil)))
	if len(tasks) != 1 {
		t.Fatalf("%d tasks, want 1", len(tasks))
	}
	item := mustMap(t, tasks[0])
	upid := mustString(t, item["upid"])
	if item["status"] != "OK" || item["type"] != "vzcreate" || item["endtime"] == nil {
		t.Errorf("task list item %v", item)
	}
	st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(upid)+"/status", nil)))
	if _, has := st["endtime"]; has {
		t.Error("task status must not carry endtime")
	}
	if st["exitstatus"] != "OK" || st["status"] != "stopped" {
		t.Errorf("status %v", st)
	}
	logResp := call(t, sim, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(upid)+"/log", url.Values{"start": {"0"}, "limit": {"2"}})
	lines := mustSlice(t, data(logResp))
	total := mustFloat(t, logResp.Body["total"])
	if len(lines) != 2 || total < 4 {
		t.Fatalf("log page of %d lines, total %v", len(lines), total)
	}
	all := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(upid)+"/log", url.Values{"limit": {"500"}})))
	last := mustMap(t, all[len(all)-1])
	if last["t"] != "TASK OK" || last["n"] != total {
		t.Errorf("last line %v, total %v", last, total)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/tasks/UPID:garbage/status", nil); r.Status != 400 {
		t.Errorf("bad upid: %d %s", r.Status, r.Raw)
	}
	cl := mustSlice(t, data(call(t, sim, http.MethodGet, "/cluster/tasks", nil)))
	if len(cl) != 1 {
		t.Errorf("cluster tasks: %d", len(cl))
	}
}

func TestDeleteProtectedAndForce(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve3", 200, url.Values{"protection": {"1"}, "start": {"1"}})
	r := call(t, sim, http.MethodDelete, "/nodes/pve3/lxc/200", nil)
	if r.Reason != "can't remove CT 200 - protection mode enabled" {
		t.Fatalf("got %d %q", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve3/lxc/200/config", url.Values{"delete": {"protection"}}); r.Status != 200 {
		t.Fatalf("unprotect: %s", r.Raw)
	}
	r = call(t, sim, http.MethodDelete, "/nodes/pve3/lxc/200", url.Values{"force": {"1"}, "purge": {"1"}})
	if r.Status != 200 {
		t.Fatalf("force delete: %s", r.Raw)
	}
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("delete task %s", got)
	}
}

func TestNextIDRace(t *testing.T) {
	sim := startSim(t, Options{})
	a := data(call(t, sim, http.MethodGet, "/cluster/nextid", nil))
	b := data(call(t, sim, http.MethodGet, "/cluster/nextid", nil))
	if a != "100" || b != "100" {
		t.Fatalf("two callers before a create should both get 100, got %v and %v", a, b)
	}
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve2/lxc",
		url.Values{"vmid": {"100"}, "ostemplate": {"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}})
	if r.Reason != "CT 100 already exists on node 'pve1'" {
		t.Fatalf("loser of the race: %d %q", r.Status, r.Reason)
	}
	if got := data(call(t, sim, http.MethodGet, "/cluster/nextid", nil)); got != "101" {
		t.Fatalf("nextid after create: %v", got)
	}
}

func TestResizeGrowsOnly(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/resize", url.Values{"disk": {"rootfs"}, "size": {"+4G"}})
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("resize: %s", got)
	}
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", nil)))
	if cfg["rootfs"] != "local-lvm:vm-100-disk-0,size=8G" {
		t.Errorf("rootfs after grow: %v", cfg["rootfs"])
	}
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/resize",
		url.Values{"disk": {"rootfs"}, "size": {"2G"}}); r.Reason != "unable to shrink disk size" {
		t.Errorf("shrink: %d %q", r.Status, r.Reason)
	}
}

func TestNodeSelectionNumbers(t *testing.T) {
	sim := startSim(t, Options{})
	before := mustFloat(t, mustMap(t, mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/status", nil)))["memory"])["used"])
	createCT(t, sim, "pve1", 100, url.Values{"memory": {"2048"}, "start": {"1"}})
	after := mustFloat(t, mustMap(t, mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/status", nil)))["memory"])["used"])
	if after-before != 2048<<20 {
		t.Errorf("running a 2 GiB guest raised used memory by %v bytes", after-before)
	}
	nodes := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes", nil)))
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
}
