package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBackupKeepsRawLxcLines follows pve-container src/PVE/VZDump/LXC.pm
// assemble (the archive's etc/vzdump/pct.conf is write_pct_config of the
// loaded config, raw lxc.* lines included, without lock, snapshots, parent
// and pending), pve-manager PVE/API2/VZDump.pm extractconfig (that file's
// text as it is), and the restore side in src/PVE/API2/LXC.pm create_vm
// ($conf->{lxc} = $orig_conf->{lxc} if $is_root) and src/PVE/LXC/Create.pm
// sanitize_and_merge_config (anyone else gets the lines skipped with a
// warning that lists them).
func TestBackupKeepsRawLxcLines(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"raw"}})
	// Written over SSH just before the backup, with no API call between:
	// vzdump loads the config file as it is now.
	onNode(t, sim, "pve1",
		`printf 'lxc.cgroup2.devices.allow: c 10:200 rwm\nlxc.mount.entry: /dev/net dev/net none bind,create=dir\n' >> /etc/pve/lxc/100.conf`)
	if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
		url.Values{"vmid": {"100"}, "compress": {"zstd"}})))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	volid := mustString(t, backups(t, sim, "pve1", 100)[0]["volid"])

	text, _ := data(call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {volid}})).(string)
	if !strings.Contains(text, "hostname: raw\n") || !strings.HasSuffix(text,
		"\nlxc.cgroup2.devices.allow: c 10:200 rwm\nlxc.mount.entry: /dev/net dev/net none bind,create=dir\n") || strings.Contains(text, "lock:") {
		t.Errorf("extractconfig:\n%s", text)
	}

	// A token (never root@pam) restores without the lines, warned.
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
	upid, _ := data(r).(string)
	if got := waitTask(t, sim, upid); got != "WARNINGS: 1" {
		t.Errorf("restore by a token: %s", got)
	}
	wantWarn := "merging backed-up and given configuration..\n" +
		"WARN: skipping custom lxc options, restore manually as root:\n" +
		"--------------------------------\n" +
		"lxc.cgroup2.devices.allow: c 10:200 rwm\n" +
		"lxc.mount.entry: /dev/net dev/net none bind,create=dir\n" +
		"--------------------------------\n"
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log, wantWarn) {
		t.Errorf("restore log by a token:\n%s", log)
	}
	if lxc, ok := ctConfig(t, sim, "pve1", 150)["lxc"]; ok {
		t.Errorf("a token's restore kept lxc lines: %v", lxc)
	}

	// root@pam (pvesh on the node) gets them back, in the file too.
	out := onNode(t, sim, "pve1", "pvesh create /nodes/pve1/lxc -vmid 151 -ostemplate "+volid+" -restore 1 -storage local-lvm")
	if strings.Contains(out, "skipping custom lxc options") {
		t.Errorf("root's restore skipped lxc lines:\n%s", out)
	}
	lxc, _ := ctConfig(t, sim, "pve1", 151)["lxc"].([]any)
	if len(lxc) != 2 || mustSlice(t, lxc[0])[0] != "lxc.cgroup2.devices.allow" || mustSlice(t, lxc[1])[1] != "/dev/net dev/net none bind,create=dir" {
		t.Errorf("root's restore: lxc = %v", lxc)
	}
	if file := onNode(t, sim, "pve1", "cat /etc/pve/lxc/151.conf"); !strings.HasSuffix(file,
		"\nlxc.mount.entry: /dev/net dev/net none bind,create=dir\n") {
		t.Errorf("151.conf:\n%s", file)
	}
}

// TestBackupKeepsEnvAsItsLines: on PVE 9 the archived pct.conf is
// write_pct_config's text, so env is there as lxc.environment.runtime lines
// (src/PVE/LXC/Config.pm), and a restore gives env back to anyone, as
// sanitize_and_merge_config merges it like any other key.
func TestBackupKeepsEnvAsItsLines(t *testing.T) {
	sim := startSim(t, Options{PVEVersion: "9.1"})
	createCT(t, sim, "pve1", 100, url.Values{"env": {"A=1\x00B=2"}})
	if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
		url.Values{"vmid": {"100"}, "compress": {"zstd"}})))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	volid := mustString(t, backups(t, sim, "pve1", 100)[0]["volid"])
	text, _ := data(call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {volid}})).(string)
	if !strings.HasSuffix(text, "\nlxc.environment.runtime: A=1\nlxc.environment.runtime: B=2\n") || strings.Contains(text, "\x00") {
		t.Errorf("extractconfig:\n%q", text)
	}
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"150"}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
	if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
		t.Fatalf("restore: %s", got)
	}
	if got := ctConfig(t, sim, "pve1", 150)["env"]; got != "A=1\x00B=2" {
		t.Errorf("restored env = %q", got)
	}
}

// TestPBSRestoreLog follows pve-container src/PVE/API2/LXC.pm create_vm and
// src/PVE/LXC/Create.pm: a PBS archive (format pbs-ct) is restored by
// restore_proxmox_backup_archive, which runs proxmox-backup-client restore
// without printing anything, so the log has no "extracting archive" or
// tar's "Total bytes read" (restore_tar_archive) lines; a vzdump file's
// restore names the file by its path on the storage (Storage.pm
// abs_filesystem_path). A PBS volume's path is PBSPlugin.pm path's pbs://
// URL, which pvesm path prints.
func TestPBSRestoreLog(t *testing.T) {
	sim := startSim(t, Options{})
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"pbs"}, "type": {"pbs"}, "server": {"10.0.0.9"}, "datastore": {"store1"}, "namespace": {"lab/ct"},
			"password": {"x"}}); r.Status != 200 {
		t.Fatalf("create pbs: %d %s", r.Status, r.Raw)
	}
	createCT(t, sim, "pve1", 100, nil)
	for _, store := range []string{"pbs", "local"} {
		if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
			url.Values{"vmid": {"100"}, "storage": {store}, "compress": {"zstd"}})))); got != "OK" {
			t.Fatalf("vzdump to %s: %s", store, got)
		}
	}
	pbsVol := mustString(t, mustMap(t, mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/pbs/content",
		url.Values{"content": {"backup"}})))[0])["volid"])
	fileVol := mustString(t, backups(t, sim, "pve1", 100)[0]["volid"])

	restore := func(vmid, volid string) string {
		t.Helper()
		r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {vmid}, "ostemplate": {volid}, "restore": {"1"}, "storage": {"local-lvm"}})
		upid, _ := data(r).(string)
		if got := waitTask(t, sim, upid); got != "OK" {
			t.Fatalf("restore of %s: %s", volid, got)
		}
		return taskLog(t, sim, "pve1", upid)
	}
	want := "recovering backed-up configuration from '" + pbsVol + "'\n" +
		"restoring '" + pbsVol + "' now..\n" +
		"merging backed-up and given configuration..\n" +
		"TASK OK\n"
	if log := restore("200", pbsVol); log != want {
		t.Errorf("PBS restore log:\n%s\nwant:\n%s", log, want)
	}
	log := restore("201", fileVol)
	if !strings.Contains(log, "extracting archive '/var/lib/vz/dump/"+strings.TrimPrefix(fileVol, "local:backup/")+"'\n") ||
		!strings.Contains(log, "Total bytes read: ") {
		t.Errorf("file restore log:\n%s", log)
	}

	wantPath := "pbs://root@pam@10.0.0.9:store1/" + strings.TrimPrefix(pbsVol, "pbs:backup/") + "?ns=lab%2fct\n"
	if got := onNode(t, sim, "pve1", "pvesm path "+pbsVol); got != wantPath {
		t.Errorf("pvesm path = %q, want %q", got, wantPath)
	}
	if got := onNode(t, sim, "pve1", "pvesm path "+fileVol); got != "/var/lib/vz/dump/"+strings.TrimPrefix(fileVol, "local:backup/")+"\n" {
		t.Errorf("pvesm path of a vzdump file = %q", got)
	}
}

// TestRestoreFromDisabledStorageFailsInTask: create_vm's worker recovers the
// config with recover_config (pve-container src/PVE/LXC/Create.pm), which
// calls storage_check_enabled on the archive's storage first; the task
// fails with "unable to restore CT <vmid> - storage '<id>' is disabled"
// (src/PVE/API2/LXC.pm $emsg) and a guest restored over is left as it was.
func TestRestoreFromDisabledStorageFailsInTask(t *testing.T) {
	sim := startSim(t, Options{})
	if r := call(t, sim, http.MethodPost, "/storage",
		url.Values{"storage": {"pbs"}, "type": {"pbs"}, "server": {"10.0.0.9"}, "datastore": {"store1"}, "password": {"x"}}); r.Status != 200 {
		t.Fatalf("create pbs: %d %s", r.Status, r.Raw)
	}
	createCT(t, sim, "pve1", 100, url.Values{"hostname": {"keep"}})
	if got := waitTask(t, sim, mustString(t, data(call(t, sim, http.MethodPost, "/nodes/pve1/vzdump",
		url.Values{"vmid": {"100"}, "storage": {"pbs"}})))); got != "OK" {
		t.Fatalf("vzdump: %s", got)
	}
	volid := mustString(t, mustMap(t, mustSlice(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/pbs/content", nil)))[0])["volid"])
	call(t, sim, http.MethodPut, "/storage/pbs", url.Values{"disable": {"1"}})
	// extract_vzdump_config (pve-storage src/PVE/Storage.pm) checks a PBS
	// storage is enabled before it asks the server.
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/vzdump/extractconfig", url.Values{"volume": {volid}}); r.Status != 500 ||
		r.Reason != "storage 'pbs' is disabled" {
		t.Errorf("extractconfig from a disabled PBS storage: %d %q", r.Status, r.Reason)
	}
	for _, vmid := range []string{"150", "100"} {
		r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
			url.Values{"vmid": {vmid}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}, "storage": {"local-lvm"}})
		if r.Status != 200 {
			t.Fatalf("restore %s: %d %s", vmid, r.Status, r.Raw)
		}
		if got := waitTask(t, sim, mustString(t, data(r))); got != "unable to restore CT "+vmid+" - storage 'pbs' is disabled" {
			t.Errorf("restore %s: %s", vmid, got)
		}
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/lxc/150/config", nil); r.Status == 200 {
		t.Error("a failed restore left CT 150")
	}
	if cfg := ctConfig(t, sim, "pve1", 100); cfg["hostname"] != "keep" || cfg["lock"] != nil {
		t.Errorf("CT 100 after a failed restore over it: %v", cfg)
	}
}
