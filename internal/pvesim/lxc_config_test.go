package pvesim

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func ctConfig(t testing.TB, sim *Simulator, node string, vmid int) map[string]any {
	t.Helper()
	r := call(t, sim, http.MethodGet, "/nodes/"+node+"/lxc/"+itoa(vmid)+"/config", nil)
	if r.Status != 200 {
		t.Fatalf("config: %d %s", r.Status, r.Raw)
	}
	return mustMap(t, data(r))
}

func runTask(t *testing.T, sim *Simulator, method, path string, form url.Values) string {
	t.Helper()
	r := call(t, sim, method, path, form)
	if r.Status != 200 {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Raw)
	}
	return waitTask(t, sim, mustString(t, data(r)))
}

func onNode(t *testing.T, sim *Simulator, node, script string) string {
	t.Helper()
	var out, errb bytes.Buffer
	code, err := sim.RunOnNode(context.Background(), node, script, nil, &out, &errb)
	if err != nil || code != 0 {
		t.Fatalf("%s: exit %d %v %s", script, code, err, errb.String())
	}
	return out.String()
}

// print_property_string (pve-common src/PVE/JSONSchema.pm): default key
// first, required keys next, the rest sorted; format_size for disk sizes.
func TestPrintPropertyStringOrder(t *testing.T) {
	sim := startSim(t, Options{})
	mp, err := sim.parseMountPoint("mp0", "size=1048576K,backup=yes,volume=local-lvm:vm-100-disk-1,acl=on,mp=/data")
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.printMountPoint(mp); got != "local-lvm:vm-100-disk-1,mp=/data,acl=1,backup=1,size=1G" {
		t.Errorf("mp0 = %q", got)
	}
	net, err := sim.canonicalNet("ip=dhcp,bridge=vmbr0,name=eth0,hwaddr=BC:24:11:00:00:01")
	if err != nil || net != "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth" {
		t.Errorf("net0 = %q, %v", net, err)
	}
	for in, want := range map[int64]string{1536: "1536", 1 << 20: "1M", 3 << 30: "3G", 0: "0T"} {
		if got := formatSizePVE(in); got != want {
			t.Errorf("format_size(%d) = %s, want %s", in, got, want)
		}
	}
}

// create_disks and alloc_disk (src/PVE/LXC.pm): STORAGE:SIZE allocates
// vm-<vmid>-disk-N with the next free N on that storage, shared with the
// rootfs; rootfs options are kept and printed canonically.
func TestMountPointsAllocateDisks(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{
		"rootfs": {"local-lvm:4,quota=1,acl=0,mountoptions=noatime"},
		"mp0":    {"local-lvm:2,mp=/data,backup=1"},
	})
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["rootfs"] != "local-lvm:vm-100-disk-0,acl=0,mountoptions=noatime,quota=1,size=4G" {
		t.Errorf("rootfs = %v", cfg["rootfs"])
	}
	if cfg["mp0"] != "local-lvm:vm-100-disk-1,mp=/data,backup=1,size=2G" {
		t.Errorf("mp0 = %v", cfg["mp0"])
	}
	// update_pct_config + apply_pending_mountpoint: a new mp on PUT.
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"mp1": {"local-lvm:1,mp=/srv"}})
	if r.Status != 200 {
		t.Fatalf("PUT mp1: %d %s", r.Status, r.Raw)
	}
	if got := ctConfig(t, sim, "pve1", 100)["mp1"]; got != "local-lvm:vm-100-disk-2,mp=/srv,size=1G" {
		t.Errorf("mp1 = %v", got)
	}
	content := call(t, sim, http.MethodGet, "/nodes/pve1/storage/local-lvm/content", nil).Raw
	if !strings.Contains(content, "vm-100-disk-2") {
		t.Errorf("mp1's volume not in storage content: %s", content)
	}
	// vmconfig_apply_pending: a deleted volume mount point becomes unusedN.
	r = call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"mp1"}})
	if r.Status != 200 {
		t.Fatalf("delete mp1: %d %s", r.Status, r.Raw)
	}
	if got := ctConfig(t, sim, "pve1", 100)["unused0"]; got != "local-lvm:vm-100-disk-2" {
		t.Errorf("unused0 = %v", got)
	}
	// resize_vm works on a mount point and prints it back.
	if st := runTask(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/resize", url.Values{"disk": {"mp0"}, "size": {"+1G"}}); st != "OK" {
		t.Fatalf("resize: %s", st)
	}
	if got := ctConfig(t, sim, "pve1", 100)["mp0"]; got != "local-lvm:vm-100-disk-1,mp=/data,backup=1,size=3G" {
		t.Errorf("mp0 after resize = %v", got)
	}
	// The guest's destruction frees every volume it owns.
	runTask(t, sim, http.MethodDelete, "/nodes/pve1/lxc/100", nil)
	content = call(t, sim, http.MethodGet, "/nodes/pve1/storage/local-lvm/content", nil).Raw
	if strings.Contains(content, "vm-100-disk") {
		t.Errorf("volumes left after destroy: %s", content)
	}
}

// update_vm (src/PVE/API2/LXC/Config.pm): delete lists are checked, and the
// required options refuse.
func TestConfigDeleteRules(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"memory"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "unable to delete required option 'memory'") {
		t.Errorf("delete memory: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"cores"}, "cores": {"2"}})
	if r.Status != 400 || !strings.Contains(r.Raw, "you can't use '-cores' and -delete cores' at the same time") {
		t.Errorf("delete+set: %d %s", r.Status, r.Raw)
	}
}

// decode_urlencoded (pve-http-server src/PVE/APIServer/AnyEvent.pm) joins a
// repeated key with NUL; split_list (pve-common src/PVE/Tools.pm) splits it.
func TestFormRepeatedKeysJoined(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"cores": {"2"}, "cpulimit": {"1"}})
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"cores", "cpulimit"}})
	if r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Raw)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if _, ok := cfg["cores"]; ok {
		t.Errorf("cores not deleted: %v", cfg)
	}
	if _, ok := cfg["cpulimit"]; ok {
		t.Errorf("cpulimit not deleted: %v", cfg)
	}
	p := decodeURLEncoded("a=1;b=x+y&a=2&c")
	if p["a"] != "1\x002" || p["b"] != "x y" || p["c"] != "" {
		t.Errorf("decode_urlencoded = %q", p)
	}
}

// parse_pct_config / write_pct_config (src/PVE/LXC/Config.pm): a raw lxc.*
// line appended over SSH through /etc/pve/lxc (the node's own directory) is
// returned by GET config as [key, value] pairs; the file shows the API's
// writes, with the description as encoded # lines.
func TestConfigFileIsTheTruth(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve2", 101, url.Values{"description": {"web: front"}})
	onNode(t, sim, "pve2", `echo "lxc.cgroup2.devices.allow: c 10:200 rwm" >> /etc/pve/lxc/101.conf`)
	cfg := ctConfig(t, sim, "pve2", 101)
	lxc, _ := cfg["lxc"].([]any)
	if len(lxc) != 1 || mustSlice(t, lxc[0])[0] != "lxc.cgroup2.devices.allow" || mustSlice(t, lxc[0])[1] != "c 10:200 rwm" {
		t.Errorf("lxc = %v", cfg["lxc"])
	}
	onNode(t, sim, "pve2", `sed -i 's/^memory: .*/memory: 2048/' /etc/pve/nodes/pve2/lxc/101.conf`)
	if got := ctConfig(t, sim, "pve2", 101)["memory"]; got != float64(2048) {
		t.Errorf("memory after edit = %v", got)
	}
	call(t, sim, http.MethodPut, "/nodes/pve2/lxc/101/config", url.Values{"cores": {"3"}})
	text := onNode(t, sim, "pve2", "cat /etc/pve/lxc/101.conf")
	if !strings.HasPrefix(text, "#web%3A front\n") || !strings.Contains(text, "cores: 3\n") ||
		!strings.HasSuffix(text, "lxc.cgroup2.devices.allow: c 10:200 rwm\n") {
		t.Errorf("file:\n%s", text)
	}
	// A file moved to another node's directory moves the guest (pmxcfs vmlist).
	onNode(t, sim, "pve1", "mv /etc/pve/nodes/pve2/lxc/101.conf /etc/pve/nodes/pve1/lxc/101.conf")
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/status/current", nil); r.Status != 200 {
		t.Errorf("moved guest: %d %s", r.Status, r.Raw)
	}
}

// clone_vm, template and the start refusal (src/PVE/API2/LXC.pm,
// src/PVE/API2/LXC/Status.pm vm_start).
func TestCloneTemplateAndLinkedClone(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"101"}, "full": {"0"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "Linked clone feature for 'local-lvm:vm-100-disk-0' is not available") {
		t.Errorf("linked clone of a non-template: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/template", nil)
	if r.Status != 200 || data(r) != nil {
		t.Fatalf("template: %d %s", r.Status, r.Raw)
	}
	waitIdle(t, sim, "pve1", 100)
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["template"] != float64(1) || !strings.HasPrefix(mustString(t, cfg["rootfs"]), "local-lvm:base-100-disk-0,") {
		t.Fatalf("template config: %v", cfg)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil); st != "you can't start a CT if it's a template" {
		t.Errorf("start template: %s", st)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"102"}, "hostname": {"copy"}}); st != "OK" {
		t.Fatalf("clone: %s", st)
	}
	c := ctConfig(t, sim, "pve1", 102)
	// LvmThinPlugin.pm clone_image: a thin snapshot named as the clone's
	// next free disk, without the base in its name (ZFS keeps it).
	if c["rootfs"] != "local-lvm:vm-102-disk-0,size=4G" || c["hostname"] != "copy" {
		t.Errorf("linked clone config: %v", c)
	}
	if c["net0"] == cfg["net0"] || c["template"] != nil {
		t.Errorf("clone kept MAC or template flag: %v vs %v", c["net0"], cfg["net0"])
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"103"}, "full": {"1"}, "target": {"pve2"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "can't clone CT to node 'pve2' (CT uses local storage)") {
		t.Errorf("clone to another node: %d %s", r.Status, r.Raw)
	}
}

// waitIdle waits until the guest has no lock (a task that answers null).
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func waitIdle(t *testing.T, sim *Simulator, node string, vmid int) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if _, locked := ctConfig(t, sim, node, vmid)["lock"]; !locked {
			if ctConfig(t, sim, node, vmid)["template"] != nil {
				return
			}
		}
		sleepMS(5)
	}
}

// migrate_vm and PVE/LXC/Migrate.pm: a running container needs restart
// mode; its local volumes and its config move to the target node.
func TestMigrateRestartMode(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate", url.Values{"target": {"pve2"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "can't migrate running container without --online or --restart") {
		t.Errorf("migrate running: %d %s", r.Status, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate", url.Values{"target": {"pve1"}})
	if r.Status != 400 || !strings.Contains(r.Raw, "target is local node.") {
		t.Errorf("migrate to self: %d %s", r.Status, r.Raw)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/migrate", url.Values{"target": {"pve2"}, "restart": {"1"}}); st != "OK" {
		t.Fatalf("migrate: %s", st)
	}
	st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/lxc/100/status/current", nil)))
	if st["status"] != "running" {
		t.Errorf("after migration: %v", st)
	}
	if out := onNode(t, sim, "pve2", "ls /etc/pve/lxc/"); !strings.Contains(out, "100.conf") {
		t.Errorf("config not on pve2: %q", out)
	}
	content := call(t, sim, http.MethodGet, "/nodes/pve2/storage/local-lvm/content", nil).Raw
	if !strings.Contains(content, "vm-100-disk-0") {
		t.Errorf("volume did not move: %s", content)
	}
}

// move_volume (src/PVE/API2/LXC.pm): without delete the old volume is kept
// as unusedN; parameter rules.
func TestMoveVolume(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}})
	if r.Status != 400 || !strings.Contains(r.Raw, "both 'storage' and 'target-vmid' missing") {
		t.Errorf("no target: %d %s", r.Status, r.Raw)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume",
		url.Values{"volume": {"rootfs"}, "storage": {"local-lvm"}}); st != "OK" {
		t.Fatalf("move: %s", st)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["rootfs"] != "local-lvm:vm-100-disk-1,size=4G" || cfg["unused0"] != "local-lvm:vm-100-disk-0" {
		t.Errorf("after move: rootfs=%v unused0=%v", cfg["rootfs"], cfg["unused0"])
	}
}

// create_vm: a restore never runs post_create_hook, so password and
// ssh-public-keys are ignored; /interfaces of a stopped CT is null.
func TestRestoreIgnoresPasswordAndInterfacesNull(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/interfaces", nil)
	if r.Status != 200 || data(r) != nil {
		t.Errorf("interfaces of stopped CT: %d %s", r.Status, r.Raw)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/vzdump", url.Values{"vmid": {"100"}, "storage": {"local"}}); st != "OK" {
		t.Fatalf("vzdump: %s", st)
	}
	content := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/local/content", url.Values{"content": {"backup"}})))
	volid := mustString(t, mustMap(t, content[0])["volid"])
	net0 := mustString(t, ctConfig(t, sim, "pve1", 100)["net0"])
	st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"105"}, "ostemplate": {volid}, "restore": {"1"},
		"storage": {"local-lvm"}, "unique": {"1"}, "password": {"secret123"}, "ssh-public-keys": {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx test"}})
	if st != "OK" {
		t.Fatalf("restore: %s", st)
	}
	c := ctConfig(t, sim, "pve1", 105)
	got := mustString(t, c["net0"])
	if got == net0 || removeProperty(got, "hwaddr") != removeProperty(net0, "hwaddr") {
		t.Errorf("unique restore net0 = %q, archive %q", got, net0)
	}
	sim.mu.Lock()
	g := sim.guests[105]
	_, keyErr := g.RootFS.ReadFile("/root/.ssh/authorized_keys")
	sim.mu.Unlock()
	if keyErr == nil {
		t.Errorf("restore wrote ssh keys")
	}
}

func sleepMS(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

// BenchmarkGuestLookup is what a status read now pays to notice a changed
// config file: one version lookup of the file in pmxcfs.
func BenchmarkGuestLookup(b *testing.B) {
	sim := startSim(b, Options{})
	createCT(b, sim, "pve1", 100, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sim.mu.Lock()
		if _, err := sim.guestOn("pve1", 100); err != nil {
			b.Fatal(err)
		}
		sim.mu.Unlock()
	}
}

// update_pct_config with vmconfig_hotplug_pending (src/PVE/LXC/Config.pm):
// on a running container memory and hostname apply at once, nameserver waits
// in [pve:pending]; GET config shows pending values unless current=1
// (AbstractConfig load_current_config); GET pending lists them; a reboot
// applies them (PVE::LXC::vm_start).
func TestPendingChangesOfRunningContainer(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"nameserver": {"1.1.1.1"}, "memory": {"1024"}, "hostname": {"renamed"}})
	if r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Raw)
	}
	cur := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})))
	if cur["nameserver"] != nil || cur["memory"] != float64(1024) || cur["hostname"] != "renamed" {
		t.Errorf("current config: %v", cur)
	}
	if got := ctConfig(t, sim, "pve1", 100)["nameserver"]; got != "1.1.1.1" {
		t.Errorf("config with pending: nameserver = %v", got)
	}
	if text := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf"); !strings.Contains(text, "\n[pve:pending]\nnameserver: 1.1.1.1\n") {
		t.Errorf("file:\n%s", text)
	}
	items := mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/pending", nil)))
	found := false
	for _, it := range items {
		m := mustMap(t, it)
		if m["key"] == "nameserver" && m["pending"] == "1.1.1.1" && m["value"] == nil {
			found = true
		}
	}
	if !found {
		t.Errorf("pending items: %v", items)
	}
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/reboot", nil); st != "OK" {
		t.Fatalf("reboot: %s", st)
	}
	cur = mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})))
	if cur["nameserver"] != "1.1.1.1" {
		t.Errorf("after reboot: %v", cur)
	}
	if text := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf"); strings.Contains(text, "pve:pending") {
		t.Errorf("pending left after reboot:\n%s", text)
	}
}

// clone_vm refuses a full clone of a running container without a snapshot,
// with the message of each release (stable-bookworm vs master API2/LXC.pm).
func TestCloneRunningFullPerRelease(t *testing.T) {
	for release, msg := range map[string]string{
		"8.4": "Cannot do full clones on a running container without snapshots",
		"9.1": "Full clone of a running container is only possible from a snapshot",
	} {
		sim := startSim(t, Options{PVEVersion: release})
		createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}})
		r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/clone", url.Values{"newid": {"101"}})
		if r.Status != 500 || !strings.Contains(r.Raw, msg) {
			t.Errorf("%s: %d %s", release, r.Status, r.Raw)
		}
		// The refused clone left no lock and no config behind.
		if _, locked := ctConfig(t, sim, "pve1", 100)["lock"]; locked {
			t.Errorf("%s: source still locked", release)
		}
		if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/101/config", nil); r.Status != 500 {
			t.Errorf("%s: clone config exists: %d", release, r.Status)
		}
		r = call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"delete": {"foo"}})
		if r.Status != 400 {
			t.Errorf("%s: delete unknown: %d %s", release, r.Status, r.Raw)
		}
	}
}

// move_volume with target-vmid (src/PVE/API2/LXC.pm $volume_reassignfn):
// the mount point's volume is renamed to the target's next disk and joins
// the target's config; the task id names both ends.
func TestMoveVolumeToAnotherContainer(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"mp0": {"local-lvm:1,mp=/data"}})
	createCT(t, sim, "pve1", 101, nil)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume",
		url.Values{"volume": {"mp0"}, "target-vmid": {"101"}, "target-volume": {"mp3"}})
	if r.Status != 200 || !strings.Contains(mustString(t, data(r)), ":move_volume:100-mp0>101-mp3:") {
		t.Fatalf("reassign: %d %s", r.Status, r.Raw)
	}
	if st := waitTask(t, sim, mustString(t, data(r))); st != "OK" {
		t.Fatalf("reassign task: %s", st)
	}
	if got := ctConfig(t, sim, "pve1", 101)["mp3"]; got != "local-lvm:vm-101-disk-1,mp=/data,size=1G" {
		t.Errorf("target mp3 = %v", got)
	}
	if _, ok := ctConfig(t, sim, "pve1", 100)["mp0"]; ok {
		t.Errorf("source still has mp0")
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/move_volume", url.Values{"volume": {"rootfs"}, "target-vmid": {"101"}})
	if r.Status != 500 || !strings.Contains(r.Raw, "Cannot move to/from 'rootfs'") {
		t.Errorf("rootfs: %d %s", r.Status, r.Raw)
	}
}

// vdisk_free (pve-storage src/PVE/Storage.pm, volume_is_base_and_used): a
// template whose base volume a linked clone uses cannot be destroyed on ZFS,
// where the clone's name carries its base; once the clone is gone it can.
// On LVM-thin a clone's name does not, so the template goes ("LVM-thin
// allows deletion of still referenced base volumes!") and the clone stays.
func TestTemplateWithLinkedCloneCannotBeDestroyed(t *testing.T) {
	sim := zfsTemplateWithLinkedClone(t)
	if st := runTask(t, sim, http.MethodDelete, "/nodes/pve1/lxc/100", nil); st != "base volume 'basevol-100-disk-0' is still in use by linked clones" {
		t.Errorf("destroy template: %s", st)
	}
	runTask(t, sim, http.MethodDelete, "/nodes/pve1/lxc/101", nil)
	if st := runTask(t, sim, http.MethodDelete, "/nodes/pve1/lxc/100", nil); st != "OK" {
		t.Errorf("destroy template after clone: %s", st)
	}

	createCT(t, sim, "pve1", 200, nil)
	call(t, sim, http.MethodPost, "/nodes/pve1/lxc/200/template", nil)
	waitIdle(t, sim, "pve1", 200)
	if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/200/clone", url.Values{"newid": {"201"}}); st != "OK" {
		t.Fatalf("LVM-thin linked clone: %s", st)
	}
	if st := runTask(t, sim, http.MethodDelete, "/nodes/pve1/lxc/200", nil); st != "OK" {
		t.Errorf("destroy LVM-thin template with a linked clone: %s", st)
	}
	if rootfs := ctConfig(t, sim, "pve1", 201)["rootfs"]; rootfs != "local-lvm:vm-201-disk-0,size=4G" {
		t.Errorf("the clone after its template went: %v", rootfs)
	}
}

// check_ct_modify_config_perm (src/PVE/LXC.pm): bind mounts are root@pam's
// alone (a token never is root@pam); root@pam over SSH (pct set) may, and
// the bind mount is printed canonically with no volume allocated.
func TestBindMountRootOnly(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/100/config", url.Values{"mp0": {"/srv/host,mp=/mnt/host"}})
	if r.Status != 403 {
		t.Errorf("token bind mount: %d %s", r.Status, r.Raw)
	}
	onNode(t, sim, "pve1", "pct set 100 -mp0 mp=/mnt/host,ro=yes,/srv/host")
	if got := ctConfig(t, sim, "pve1", 100)["mp0"]; got != "/srv/host,mp=/mnt/host,ro=1" {
		t.Errorf("mp0 = %v", got)
	}
}
