package pvesim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

var archiveExt = map[string]string{"zstd": ".tar.zst", "gzip": ".tar.gz", "1": ".tar.lzo", "lzo": ".tar.lzo", "0": ".tar", "": ".tar"}

func (s *Simulator) vzdump(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	if r.params["vmid"] == "" && !r.bool("all") {
		return nil, paramFail("vmid", "property is missing and it is not optional")
	}
	storageID := r.params["storage"]
	if storageID == "" {
		storageID = s.vzdumpStorage(n)
	}
	if aerr := r.acc.checkVzdumpParams(r.authid, r.params, storageID); aerr != nil {
		return nil, aerr
	}
	var ids []int
	for _, f := range strings.FieldsFunc(r.params["vmid"], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		id, _ := strconv.Atoi(f)
		ids = append(ids, id)
	}
	if r.bool("all") {
		ids = nil
		for _, g := range s.sortedGuests() {
			// With all, guests without VM.Backup are left out silently.
			if g.Node == n.Name && r.acc.has(r.authid, "/vms/"+itoa(g.VMID), "VM.Backup") {
				ids = append(ids, g.VMID)
			}
		}
	}
	acc, authid := r.acc, r.authid
	taskID := ""
	if len(ids) == 1 {
		taskID = strconv.Itoa(ids[0])
	}
	mode := r.params["mode"]
	if mode == "" {
		mode = "snapshot"
	}
	compress := r.params["compress"]
	opts := backupOptions{
		mode: mode, compress: compress, notesTemplate: r.params["notes-template"],
		protected: r.bool("protected"), cmdline: vzdumpCmdline(r), keepOld: r.params["remove"] == "0",
	}
	tk := s.startTask(n, "vzdump", taskID, r.userForTask(), func(t *taskCtx) error {
		// VZDump->new checks the storage in the worker: a bad storage
		// fails the task, not the call.
		st, err := s.backupStorage(n, storageID)
		if err != nil {
			return err
		}
		opts.storage = st
		t.logf("INFO: starting new backup job: %s", opts.cmdline)
		lock := &n.vzdumpLock
		if !lock.TryLock() {
			t.logf("INFO: trying to get global lock - waiting...")
			lock.Lock()
			t.logf("INFO: got global lock")
		}
		defer lock.Unlock()
		// Named guests are checked in the worker (PVE/VZDump.pm): the call
		// returned a UPID, the task fails.
		for _, id := range ids {
			if err := acc.check(authid, "/vms/"+itoa(id), "VM.Backup"); err != nil {
				return fmt.Errorf("%s", err.Message)
			}
		}
		failed := 0
		for _, id := range ids {
			if err := s.backupGuest(t, n, id, opts); err != nil {
				t.logf("ERROR: Backup of VM %d failed - %v", id, err)
				t.logf("INFO: Failed at %s", time.Now().Local().Format("2006-01-02 15:04:05"))
				failed++
			}
		}
		if failed > 0 {
			// exec_backup: the job ends, then dies "job errors".
			t.logf("INFO: Backup job finished with errors")
			return fmt.Errorf("job errors")
		}
		t.logf("INFO: Backup job finished successfully")
		return nil
	})
	return tk.UPID, nil
}

func vzdumpCmdline(r *request) string {
	parts := []string{"vzdump", strings.ReplaceAll(r.params["vmid"], ",", " ")}
	for _, k := range []string{"storage", "mode", "compress", "notes-template", "protected", "remove"} {
		if v, ok := r.params[k]; ok {
			parts = append(parts, "--"+k, strconv.Quote(v))
		}
	}
	return strings.Join(append(parts, "--node", r.node()), " ")
}

type backupOptions struct {
	storage       *storage
	mode          string
	compress      string
	notesTemplate string
	protected     bool
	cmdline       string
	keepOld       bool // remove=0: no pruning after the backup
}

// backupGuest archives one guest: lock backup, copy config and files, unlock.
// The 'backup' lock is set as VZDump/LXC.pm lock_vm sets it, with set_lock,
// under the guest's config lock.
func (s *Simulator) backupGuest(t *taskCtx, n *node, vmid int, o backupOptions) error {
	release, err := t.lockConfig(n.Name, vmid)
	if err != nil {
		return err
	}
	defer release()
	s.mu.Lock()
	// The config file is read again first: a line written there over SSH
	// since the last API call is part of the guest (load_config).
	g, ok := s.currentGuest(vmid)
	if !ok || g.Node != n.Name {
		s.mu.Unlock()
		return fmt.Errorf("unable to find VM %d on node '%s'", vmid, n.Name)
	}
	if g.Lock != "" {
		s.mu.Unlock()
		return fmt.Errorf("CT is locked (%s)", g.Lock)
	}
	if !s.quorate() {
		s.mu.Unlock()
		return backupWithoutQuorum(t, n, g, vmid)
	}
	g.Lock = "backup"
	s.writeGuestConf(g)
	wasRunning := g.Running
	started := time.Now()
	name := backupName(o, vmid, started)
	volid := o.storage.ID + ":backup/" + name
	for o.storage.Volumes[volid] != nil {
		// Only a scaled clock fits two backups of one guest in one second;
		// on PVE each takes longer, so the next starts a second later.
		started = started.Add(time.Second)
		name = backupName(o, vmid, started)
		volid = o.storage.ID + ":backup/" + name
	}
	guestName := g.name()
	s.mu.Unlock()
	release()

	t.logf("INFO: Starting Backup of VM %d (lxc)", vmid)
	t.logf("INFO: Backup started at %s", started.Local().Format("2006-01-02 15:04:05"))
	t.logf("INFO: status = %s", map[bool]string{true: "running", false: "stopped"}[wasRunning])
	t.logf("INFO: CT Name: %s", guestName)
	t.logf("INFO: including mount point rootfs ('/') in backup")
	switch {
	case o.mode == "stop" && wasRunning:
		t.logf("INFO: stopping virtual guest")
		s.mu.Lock()
		s.powerOff(g)
		s.mu.Unlock()
	case o.mode == "suspend" && wasRunning:
		t.logf("INFO: starting first sync /proc/%d/root/ to /var/tmp/vzdumptmp", g.PID)
		t.logf("INFO: suspending guest")
	case o.mode == "snapshot":
		t.logf("INFO: create storage snapshot 'vzdump'")
	}
	pbs := o.storage.Type == "pbs"
	if pbs {
		t.logf("INFO: creating Proxmox Backup Server archive '%s'", name)
		s.logPBSUpload(t, n, o.storage, vmid, name, started)
	} else {
		t.logf("INFO: creating vzdump archive '%s/%s'", s.backupDir(o.storage), name)
	}
	err = t.sleep(3 * time.Second)
	if err == nil {
		err = s.faults.taskFailure("vzdump")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if o.mode == "stop" && wasRunning && !g.Running {
		t.logf("INFO: restarting vm")
		s.powerOn(g)
	}
	if o.mode == "suspend" && wasRunning {
		t.logf("INFO: resume vm")
	}
	s.unlockBackup(t, g)
	if err != nil {
		return err
	}
	files := g.RootFS.Export("/")
	var raw int64
	for _, f := range files {
		raw += int64(len(f.Data))
	}
	size := 180*mib + raw/2
	if s.storageFree(o.storage) < size {
		return fmt.Errorf("vma_queue_write: write error - No space left on device")
	}
	notes := expandNotes(o.notesTemplate, guestName, n.Name, vmid, s.clusterName)
	format := strings.TrimPrefix(archiveExt[o.compress], ".")
	if pbs {
		format = "pbs-ct"
	}
	o.storage.Volumes[volid] = &volume{
		VolID: volid, Content: "backup", Format: format, Size: size,
		CTime: started.Unix(), VMID: vmid, Notes: notes, Protected: o.protected,
		Archive: archivedConfig(g, files),
	}
	if pbs {
		logPBSFinish(t, raw+400*mib, size)
	} else {
		t.logf("INFO: Total bytes written: %d (%dMiB, %dMiB/s)", raw+400*mib, (raw+400*mib)/mib, 130)
		t.logf("INFO: archive file size: %dMB", size/mib)
	}
	if notes != "" {
		t.logf("INFO: adding notes to backup")
	}
	if o.protected {
		t.logf("INFO: marking backup as protected")
	}
	if !o.keepOld {
		s.pruneAfterBackup(t, n, o.storage, vmid)
	}
	t.logf("INFO: Finished Backup of VM %d (00:00:03)", vmid)
	t.logf("INFO: Backup finished at %s", time.Now().Local().Format("2006-01-02 15:04:05"))
	return nil
}

// backupWithoutQuorum is exec_backup_task (pve-manager PVE/VZDump.pm) on a
// read-only pmxcfs: the API handler forks without check_cfs_quorum, the task
// logs the guest's start and status, then lock_vm (VZDump/LXC.pm: set_lock
// 'backup' -> write_config -> PVE::File::file_set_contents) cannot open the
// config's temporary file. Nothing was locked or written, so there is no
// unlock and no archive; the caller logs the guest's failure.
func backupWithoutQuorum(t *taskCtx, n *node, g *guest, vmid int) error {
	t.logf("INFO: Starting Backup of VM %d (lxc)", vmid)
	t.logf("INFO: Backup started at %s", time.Now().Local().Format("2006-01-02 15:04:05"))
	t.logf("INFO: status = %s", map[bool]string{true: "running", false: "stopped"}[g.Running])
	return fmt.Errorf("unable to open file '/etc/pve%s.tmp.%d' - Permission denied", guestConfPath(n.Name, vmid), t.task.PID)
}

// unlockBackup is unlock_vm in exec_backup_task's clean-up: remove_lock
// writes the config, which fails on a read-only pmxcfs (quorum lost during
// the backup); vzdump only warns then (a plain Perl warn: pvedaemon's
// __WARN__ handler prints it to the task log without "WARN:" and counts
// nothing), and the 'backup' lock stays. The caller holds s.mu.
func (s *Simulator) unlockBackup(t *taskCtx, g *guest) {
	if !s.quorate() {
		t.logf("unable to open file '/etc/pve%s.tmp.%d' - Permission denied", guestConfPath(g.Node, g.VMID), t.task.PID)
		return
	}
	g.Lock = ""
	s.writeGuestConf(g)
}

// archivedConfig is the config vzdump keeps in the archive as
// etc/vzdump/pct.conf (pve-container src/PVE/VZDump/LXC.pm assemble): the
// current config with its raw lxc.* lines, without lock, snapshots, parent
// or pending changes.
func archivedConfig(g *guest, files []vfs.Entry) *archive {
	cfg := maps.Clone(g.Config)
	delete(cfg, "parent")
	return &archive{Config: cfg, Lxc: slices.Clone(g.Lxc), Files: files}
}

func expandNotes(template, guestName, node string, vmid int, cluster string) string {
	return strings.NewReplacer("{{guestname}}", guestName, "{{node}}", node, "{{vmid}}", strconv.Itoa(vmid), "{{cluster}}", cluster, `\n`,
		"\n").Replace(template)
}

// extractConfig is GET /nodes/{node}/vzdump/extractconfig: the guest config
// stored in a backup archive, as the text of its .conf file.
func (s *Simulator) extractConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if aerr := r.acc.checkVolumeAccess(r.authid, 0, r.params["volume"], "backup"); aerr != nil {
		return nil, aerr
	}
	// VM.Backup on the archive's guest, even with Datastore.Allocate.
	_, volname, _ := strings.Cut(r.params["volume"], ":")
	if _, owner := volumeKind(volname); owner != 0 && r.authid != "root@pam" {
		if aerr := r.acc.check(r.authid, "/vms/"+itoa(owner), "VM.Backup"); aerr != nil {
			return nil, aerr
		}
	}
	n := s.nodeByName(r.node())
	v, aerr := s.findVolume(n, r.params["volume"])
	if aerr != nil {
		return nil, aerr
	}
	// extract_vzdump_config (Storage.pm) asks the PBS server, so a PBS
	// storage must be enabled; a vzdump file is read wherever it lies.
	if id := storageOf(v.VolID); s.storageCfg().ids[id] != nil && s.storageCfg().ids[id].Type == "pbs" {
		if _, aerr := s.enabledStorage(n, id); aerr != nil {
			return nil, aerr
		}
	}
	if v.Content != "backup" || v.Archive == nil {
		return nil, fail("unable to extract configuration for '%s' - not a backup archive", v.VolID)
	}
	return archiveConfigText(v.Archive), nil
}

// archiveConfigText is the archived pct.conf as write_pct_config printed it,
// raw lxc.* lines included, which extractconfig returns as it is.
func archiveConfigText(a *archive) string {
	var b strings.Builder
	writeConfSection(&b, a.Config, a.Lxc)
	return b.String()
}
