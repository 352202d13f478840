package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// backupOf makes a vzdump archive of a container on local and returns its volid.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func backupOf(t *testing.T, sim *Simulator, node string, vmid int) string {
	t.Helper()
	if got := runTask(t, sim, http.MethodPost, "/nodes/"+node+"/vzdump",
		url.Values{"vmid": {itoa(vmid)}, "storage": {"local"}, "compress": {"zstd"}}); got != "OK" {
		t.Fatalf("vzdump %d: %s", vmid, got)
	}
	list := backups(t, sim, node, vmid)
	return mustString(t, list[len(list)-1]["volid"])
}

// editArchive changes the config stored in a backup, as an archive made
// elsewhere (or by hand) may hold.
func editArchive(t *testing.T, sim *Simulator, node, volid string, edit func(cfg map[string]string)) {
	t.Helper()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	v, aerr := sim.findVolume(sim.nodeByName(node), volid)
	if aerr != nil || v.Archive == nil {
		t.Fatalf("archive %s: %v", volid, aerr)
	}
	edit(v.Archive.Config)
}

// volumesOf lists a guest's volumes on a storage of a node.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func volumesOf(t *testing.T, sim *Simulator, node, storage string, vmid int) []string {
	t.Helper()
	var out []string
	items, _ := data(call(t, sim, http.MethodGet, "/nodes/"+node+"/storage/"+storage+"/content", url.Values{"vmid": {itoa(vmid)}})).([]any)
	for _, it := range items {
		out = append(out, mustString(t, mustMap(t, it)["volid"]))
	}
	return out
}

// confFileExists says whether the guest's config file is in the node's
// /etc/pve/lxc.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func confFileExists(t *testing.T, sim *Simulator, node string, vmid int) bool {
	t.Helper()
	return onNode(t, sim, node, "test -e /etc/pve/lxc/"+itoa(vmid)+".conf && echo yes || echo no") == "yes\n"
}

// startRestore posts a restore and insists the call itself succeeds: what
// needs the archive is the worker's (pve-container src/PVE/API2/LXC.pm
// create_vm forks 'vzrestore' before recover_config).
func startRestore(t *testing.T, sim *Simulator, form url.Values) string {
	t.Helper()
	form.Set("restore", "1")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", form)
	if r.Status != http.StatusOK {
		t.Fatalf("restore %v: %d %s", form, r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if tk, _ := parseUPID(upid); tk.Type != "vzrestore" {
		t.Fatalf("restore task type %q", tk.Type)
	}
	return upid
}

// TestRestoreUnrecoverableRootfsFailsTask follows create_vm's worker
// (src/PVE/API2/LXC.pm): in $storage_only_mode the archive's mount points
// are used, and an archive without a rootfs dies "rootfs configuration
// could not be recovered, please check and specify manually!", wrapped as
// "unable to restore CT <vmid> - " ($emsg). That is before "up until here we
// did not modify the container, besides the lock": a new VMID's config goes
// ($destroy_config_on_error starts as !$same_container_exists), and a guest
// restored over keeps its config and disks, only the 'create' lock is
// removed (the $realcmd's remove_lock). A bind mount point of the archive is
// root@pam's ("restoring 'mp0' to bind mount is only possible for root"),
// checked at the same point.
func TestRestoreUnrecoverableRootfsFailsTask(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"keep"}})
	volid := backupOf(t, sim, "pve1", 100)
	editArchive(t, sim, "pve1", volid, func(cfg map[string]string) { delete(cfg, "rootfs") })
	oldDisks := volumesOf(t, sim, "pve1", "local-lvm", 100)

	const wantNoRootfs = " - rootfs configuration could not be recovered, please check and specify manually!"
	for _, vmid := range []string{"150", "100"} {
		upid := startRestore(t, sim, url.Values{"vmid": {vmid}, "ostemplate": {volid}, "force": {"1"}, "storage": {"local-lvm"}})
		if got := waitTask(t, sim, upid); got != "unable to restore CT "+vmid+wantNoRootfs {
			t.Errorf("restore %s: %s", vmid, got)
		}
		if log := taskLog(t, sim, "pve1", upid); !strings.HasPrefix(log, "recovering backed-up configuration from '"+volid+"'\n") {
			t.Errorf("restore %s log:\n%s", vmid, log)
		}
	}
	if confFileExists(t, sim, "pve1", 150) || len(volumesOf(t, sim, "pve1", "local-lvm", 150)) != 0 {
		t.Error("the failed restore of CT 150 left its config or a volume")
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["hostname"] != "keep" || cfg["lock"] != nil || cfg["rootfs"] != "local-lvm:vm-100-disk-0,size=4G" {
		t.Errorf("CT 100 after a failed restore over it: %v", cfg)
	}
	if got := volumesOf(t, sim, "pve1", "local-lvm", 100); strings.Join(got, ",") != strings.Join(oldDisks, ",") {
		t.Errorf("CT 100's disks %v, want %v kept", got, oldDisks)
	}

	// A bind mount point of the archive is checked in the worker too.
	editArchive(t, sim, "pve1", volid, func(cfg map[string]string) {
		cfg["rootfs"] = "local-lvm:vm-100-disk-0,size=4G"
		cfg["mp0"] = "/srv/host,mp=/mnt/host"
	})
	upid := startRestore(t, sim, url.Values{"vmid": {"151"}, "ostemplate": {volid}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, upid); got != "unable to restore CT 151 - restoring 'mp0' to bind mount is only possible for root" {
		t.Errorf("token restoring a bind mount: %s", got)
	}
	if confFileExists(t, sim, "pve1", 151) {
		t.Error("the refused restore left CT 151's config")
	}
}

// TestFailedRestoreLeavesNoConfigNorVolumes: once create_vm's worker has
// allocated the disks (create_disks) a failure destroys them
// (destroy_disks of $vollist) and the config (destroy_config, since
// $destroy_config_on_error is set), src/PVE/API2/LXC.pm create_vm. A guest
// restored over is gone by then too: its volumes went with
// destroy_lxc_container before the extraction. A missing archive file is
// found by the worker's recover_config (src/PVE/LXC/Create.pm, through
// pve-storage abs_filesystem_path: "can't find file '<volid>'").
func TestFailedRestoreLeavesNoConfigNorVolumes(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"old"}})
	volid := backupOf(t, sim, "pve1", 100)

	if err := sim.SetFaults("taskfail:vzrestore=1x2|tar: short read"); err != nil {
		t.Fatal(err)
	}
	upid := startRestore(t, sim, url.Values{"vmid": {"150"}, "ostemplate": {volid}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, upid); got != "unable to restore CT 150 - tar: short read" {
		t.Errorf("restore: %s", got)
	}
	if confFileExists(t, sim, "pve1", 150) {
		t.Error("a failed restore left 150.conf")
	}
	if got := volumesOf(t, sim, "pve1", "local-lvm", 150); len(got) != 0 {
		t.Errorf("a failed restore left volumes %v", got)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil); r.Status == http.StatusOK {
		t.Error("the API still shows CT 150")
	}

	// Over CT 100, the extraction fails after the old volumes are gone.
	upid = startRestore(t, sim, url.Values{"vmid": {"100"}, "ostemplate": {volid}, "force": {"1"}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, upid); got != "unable to restore CT 100 - tar: short read" {
		t.Errorf("restore over CT 100: %s", got)
	}
	if confFileExists(t, sim, "pve1", 100) || len(volumesOf(t, sim, "pve1", "local-lvm", 100)) != 0 {
		t.Error("CT 100's config or volumes survived a restore over it that failed in the extraction")
	}

	// The archive is gone: the call still succeeds, the task fails.
	if got := runTask(t, sim, http.MethodDelete, "/nodes/pve1/storage/local/content/"+url.PathEscape(volid), nil); got != "OK" {
		t.Fatalf("delete backup: %s", got)
	}
	upid = startRestore(t, sim, url.Values{"vmid": {"152"}, "ostemplate": {volid}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, upid); got != "unable to restore CT 152 - can't find file '"+volid+"'" {
		t.Errorf("restore of a missing archive: %s", got)
	}
	if confFileExists(t, sim, "pve1", 152) {
		t.Error("the restore of a missing archive left 152.conf")
	}
}

// TestRestoreRequestChecksAndCreateLock: what create_vm
// (src/PVE/API2/LXC.pm) checks before fork_worker still fails the call:
// check_volume_access's content type (pve-storage src/PVE/Storage.pm, for
// root@pam too) and create_and_lock_config (pve-guest-common
// AbstractConfig.pm, check_lock under $emsg). The lock it takes is
// 'create' on a config that holds only the lock for a new VMID, and on the
// old config for a guest restored over, until the worker writes the result.
func TestRestoreRequestChecksAndCreateLock(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"old"}})
	volid := backupOf(t, sim, "pve1", 100)

	out := onNode(t, sim, "pve1",
		"pvesh create /nodes/pve1/lxc -vmid 150 -restore 1 -ostemplate local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz -storage local-lvm 2>&1 || "+
			"true")
	if !strings.Contains(out, "unable to use volume local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz - content type needs to be 'backup'") {
		t.Errorf("root restoring a template: %s", out)
	}

	onNode(t, sim, "pve1", "echo 'lock: backup' >> /etc/pve/lxc/100.conf")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}, "storage": {"local-lvm"}})
	if r.Status != http.StatusInternalServerError || r.Reason != "unable to restore CT 100 - CT is locked (backup)" {
		t.Errorf("restore over a locked CT: %d %q", r.Status, r.Reason)
	}
	onNode(t, sim, "pve1", "sed -i '/^lock:/d' /etc/pve/lxc/100.conf")

	if err := sim.SetFaults("taskslow:vzrestore=500s"); err != nil {
		t.Fatal(err)
	}
	upidNew := startRestore(t, sim, url.Values{"vmid": {"150"}, "ostemplate": {volid}, "storage": {"local-lvm"}})
	if got := onNode(t, sim, "pve1", "cat /etc/pve/lxc/150.conf"); got != "lock: create\n" {
		t.Errorf("150.conf while its restore runs:\n%s", got)
	}
	upidOld := startRestore(t, sim, url.Values{"vmid": {"100"}, "ostemplate": {volid}, "force": {"1"}, "storage": {"local-lvm"}})
	if got := onNode(t, sim, "pve1", "cat /etc/pve/lxc/100.conf"); !strings.Contains(got, "hostname: old\n") ||
		!strings.Contains(got, "lock: create\n") {
		t.Errorf("100.conf while a restore over it starts:\n%s", got)
	}
	for _, upid := range []string{upidNew, upidOld} {
		if got := waitTask(t, sim, upid); got != "OK" {
			t.Errorf("restore %s: %s", upid, got)
		}
	}
	if got := onNode(t, sim, "pve1",
		"grep -c '^lock:' /etc/pve/lxc/100.conf /etc/pve/lxc/150.conf || true"); got != "/etc/pve/lxc/100.conf:0\n/etc/pve/lxc/150.conf:0\n" {
		t.Errorf("locks after the restores:\n%s", got)
	}
}

// TestRestoreInPlaceAsTheProviderDoes is the provider's in-place restore
// (internal/deploy restoreInPlace: force=1, the storage of the rootfs, the
// container's own options) and its restore into a new VMID (unique=1):
// the task log in create_vm's order (src/PVE/API2/LXC.pm: recovering,
// restoring, tar's lines from src/PVE/LXC/Create.pm restore_tar_archive,
// merging), the given options over the archive's
// (sanitize_and_merge_config), the rootfs recreated on that storage with
// its archived size, the old disk freed (destroy_lxc_container) and the
// files back.
func TestRestoreInPlaceAsTheProviderDoes(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"app"}, "memory": {"768"}, "tags": {"px-pub-8100"}, "start": {"1"}})
	waitFor(t, func() bool {
		return mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil)))["status"] == "running"
	})
	if code, out := runInCT(t, sim, "pve1", `pct exec 100 -- sh -c 'echo v1 > /srv-marker'`); code != 0 {
		t.Fatalf("writing the marker: %s", out)
	}
	volid := backupOf(t, sim, "pve1", 100)
	runInCT(t, sim, "pve1", `pct exec 100 -- sh -c 'echo v2 > /srv-marker'`)
	if got := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/stop", nil); got != "OK" {
		t.Fatalf("stop: %s", got)
	}
	before := ctConfig(t, sim, "pve1", 100)

	upid := startRestore(t, sim, url.Values{"vmid": {"100"}, "ostemplate": {volid}, "force": {"1"}, "storage": {"local-lvm"},
		"hostname": {"app"}, "memory": {"1024"}, "net0": {mustString(t, before["net0"])}, "tags": {"px-pub-8100"}, "unprivileged": {"1"}})
	if got := waitTask(t, sim, upid); got != "OK" {
		t.Fatalf("in-place restore: %s", got)
	}
	log := taskLog(t, sim, "pve1", upid)
	order := []string{
		"recovering backed-up configuration from '" + volid + "'\n",
		"restoring '" + volid + "' now..\n",
		"extracting archive '/var/lib/vz/dump/" + strings.TrimPrefix(volid, "local:backup/") + "'\n",
		"Total bytes read: ",
		"merging backed-up and given configuration..\n",
		"TASK OK\n",
	}
	at := 0
	for _, line := range order {
		i := strings.Index(log[at:], line)
		if i < 0 {
			t.Fatalf("log lacks %q after position %d:\n%s", line, at, log)
		}
		at += i + len(line)
	}
	cfg := ctConfig(t, sim, "pve1", 100)
	if cfg["memory"] != float64(1024) || cfg["hostname"] != "app" || cfg["net0"] != before["net0"] || cfg["lock"] != nil ||
		cfg["unprivileged"] != float64(1) || cfg["features"] != "nesting=1" {
		t.Errorf("config after the in-place restore: %v", cfg)
	}
	if cfg["rootfs"] != "local-lvm:vm-100-disk-1,size=4G" {
		t.Errorf("rootfs %v, want a new disk of the archived size", cfg["rootfs"])
	}
	if got := volumesOf(t, sim, "pve1", "local-lvm", 100); strings.Join(got, ",") != "local-lvm:vm-100-disk-1" {
		t.Errorf("CT 100's volumes %v: the old disk must be freed", got)
	}
	call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil)
	waitFor(t, func() bool {
		return mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/status/current", nil)))["status"] == "running"
	})
	if code, out := runInCT(t, sim, "pve1", "pct exec 100 -- cat /srv-marker"); code != 0 || out != "v1\n" {
		t.Errorf("marker after the restore: %d %q", code, out)
	}

	// Into a new VMID with unique=1 and start=1, as deploy's restoreOptions.
	upid = startRestore(t, sim, url.Values{"vmid": {"160"}, "ostemplate": {volid}, "storage": {"local-lvm"}, "unique": {"1"}, "start": {"1"},
		"hostname": {"copy"}})
	if got := waitTask(t, sim, upid); got != "OK" {
		t.Fatalf("restore into CT 160: %s", got)
	}
	c := ctConfig(t, sim, "pve1", 160)
	if c["hostname"] != "copy" || c["memory"] != float64(768) || c["net0"] == before["net0"] ||
		removeProperty(mustString(t, c["net0"]), "hwaddr") != removeProperty(mustString(t, before["net0"]), "hwaddr") {
		t.Errorf("CT 160: %v", c)
	}
	if st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/160/status/current", nil)))["status"]; st != "running" {
		t.Errorf("CT 160 restored with start=1 is %v", st)
	}
}

// TestRestorePrivilegedArchivePerRelease: the worker's check of the
// container a restore makes, after recover_config (src/PVE/API2/LXC.pm
// create_vm). On PVE 9 (master) a privileged result needs Sys.Modify on /
// unless it replaces a guest that was privileged already, so a token with
// PVEVMAdmin fails the task with the permission error (no config left); on
// PVE 8 (stable-bookworm) only an unprivileged guest turned privileged
// asks for more (VM.Allocate), so the same restore succeeds.
func TestRestorePrivilegedArchivePerRelease(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: release})
			// A privileged container, made by root@pam (pvesh runs the
			// worker in the foreground).
			onNode(t, sim, "pve1",
				"pvesh create /nodes/pve1/lxc -vmid 100 -ostemplate local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz -rootfs local-lvm:4 -net0 "+
					"name=eth0,bridge=vmbr0,ip=dhcp")
			volid := backupOf(t, sim, "pve1", 100)
			pveum(t, sim, "user add vm@pve")
			pveum(t, sim, "aclmod / -user vm@pve -role PVEVMAdmin")
			pveum(t, sim, "aclmod /storage -user vm@pve -role PVEDatastoreUser")
			pveum(t, sim, "aclmod /sdn/zones/localnetwork -user vm@pve -role PVESDNUser")
			token := newToken(t, sim, "vm@pve", "tk", "--privsep 0")
			r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/lxc",
				url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
			if r.Status != http.StatusOK {
				t.Fatalf("restore: %d %s", r.Status, r.Raw)
			}
			got := waitTask(t, sim, mustString(t, data(r)))
			want := "OK"
			if release == "9.1" {
				want = "unable to restore CT 150 - Permission check failed (/, Sys.Modify)"
			}
			if got != want {
				t.Errorf("privileged restore by a VM admin: %s, want %s", got, want)
			}
			if confFileExists(t, sim, "pve1", 150) != (want == "OK") {
				t.Errorf("150.conf exists = %v after %s", want != "OK", got)
			}
		})
	}
}

// TestRestoreUnprivilegedArchiveAsPrivilegedSkipsFeatures follows
// sanitize_and_merge_config (src/PVE/LXC/Create.pm): when anyone but
// root@pam restores an unprivileged archive as a privileged container
// (unprivileged=0), the archive's features are not restored, with a plain
// warn() that prints without counting as a task warning. On PVE 8 a new
// VMID needs no more than the request's rights for that (create_vm).
func TestRestoreUnprivilegedArchiveAsPrivilegedSkipsFeatures(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	volid := backupOf(t, sim, "pve1", 100)
	pveum(t, sim, "user add vm@pve")
	pveum(t, sim, "aclmod / -user vm@pve -role PVEVMAdmin")
	pveum(t, sim, "aclmod /storage -user vm@pve -role PVEDatastoreUser")
	pveum(t, sim, "aclmod /sdn/zones/localnetwork -user vm@pve -role PVESDNUser")
	token := newToken(t, sim, "vm@pve", "tk", "--privsep 0")
	r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}, "unprivileged": {"0"}})
	if r.Status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	if got := waitTask(t, sim, upid); got != "OK" {
		t.Fatalf("restore: %s", got)
	}
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log,
		"merging backed-up and given configuration..\nchanging from unprivileged to privileged, skipping features\n") {
		t.Errorf("restore log:\n%s", log)
	}
	cfg := ctConfig(t, sim, "pve1", 150)
	if _, has := cfg["features"]; has {
		t.Errorf("features restored: %v", cfg["features"])
	}
	if _, has := cfg["unprivileged"]; has {
		t.Errorf("unprivileged = %v, want absent (privileged)", cfg["unprivileged"])
	}
}
