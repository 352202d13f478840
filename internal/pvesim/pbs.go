package pvesim

import (
	"fmt"
	"strings"
	"time"
)

// backupStorage follows VZDump->new and VZDump::storage_info: the storage is
// activated (configured, enabled, on this node) and must take backups. The
// errors are collected and fail the task together, one per line.
func (s *Simulator) backupStorage(n *node, id string) (*storage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []string
	st, aerr := s.enabledStorage(n, id)
	if aerr != nil {
		errs = append(errs, fmt.Sprintf("could not activate storage '%s': %s", id, aerr.Message))
	}
	sec := s.storageCfg().ids[id]
	switch {
	case sec == nil:
		errs = append(errs, fmt.Sprintf("could not get storage information for '%s': storage '%s' does not exist", id, id))
	case !sec.hasContent("backup"):
		errs = append(errs, fmt.Sprintf("could not get storage information for '%s': can't use storage '%s' for backups - wrong content type", id, id))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return st, nil
}

// pbsTimeFormat is strftime("%FT%TZ", gmtime(...)) of VZDump.pm and PBSPlugin.pm.
const pbsTimeFormat = "2006-01-02T15:04:05Z"

// backupName is the archive's name on its storage: a vzdump file name, or on
// PBS the snapshot "ct/<vmid>/<UTC time>" (VZDump.pm $pbs_snapshot_name).
func backupName(o backupOptions, vmid int, started time.Time) string {
	if o.storage.Type == "pbs" {
		return fmt.Sprintf("ct/%d/%s", vmid, started.UTC().Format(pbsTimeFormat))
	}
	return fmt.Sprintf("vzdump-lxc-%d-%s%s", vmid, started.Local().Format("2006_01_02-15_04_05"), archiveExt[o.compress])
}

// backupDir is get_backup_dir: <path>/dump of a file-based storage.
func (s *Simulator) backupDir(st *storage) string {
	return storageBasePath(st) + "/dump"
}

// storageBasePath is the directory a file-based storage keeps its content
// in: the dir storage's path, or the mount point PVE uses for NFS and CIFS.
func storageBasePath(st *storage) string {
	if st.Section != nil {
		if st.Type == "nfs" || st.Type == "cifs" {
			return "/mnt/pve/" + st.ID
		}
		if p := st.Section.Opts["path"]; p != "" {
			return p
		}
	}
	return "/var/lib/vz"
}

// pbsRepository is PVE::PBSClient::get_repository: user@server[:port]:datastore.
func pbsRepository(sec *storageDef) string {
	server := sec.Opts["server"]
	if strings.Contains(server, ":") {
		server = "[" + server + "]"
	}
	if port := sec.Opts["port"]; port != "" && port != "8007" {
		server += ":" + port
	}
	user := sec.Opts["username"]
	if user == "" {
		user = "root@pam"
	}
	return user + "@" + server + ":" + sec.Opts["datastore"]
}

// logPBSUpload writes what proxmox-backup-client prints when vzdump runs it
// for a container (pve-container VZDump/LXC.pm archive, PBS branch).
func (s *Simulator) logPBSUpload(t *taskCtx, n *node, st *storage, vmid int, snapshot string, started time.Time) {
	repo := pbsRepository(st.Section)
	t.logf("INFO: Starting backup: %s", snapshot)
	t.logf("INFO: Client name: %s", n.Name)
	t.logf("INFO: Starting backup protocol: %s", started.Local().Format("Mon Jan  2 15:04:05 2006"))
	t.logf("INFO: No previous manifest")
	t.logf("INFO: Upload config file '/var/tmp/vzdumptmp%d_%d/etc/vzdump/pct.conf' to '%s' as pct.conf.blob", t.task.PID, vmid, repo)
	t.logf("INFO: Upload directory '/mnt/vzsnap0' to '%s' as root.pxar.didx", repo)
}

// logPBSFinish ends the client's output: PBS reports what it stored, and
// vzdump prints no archive file size for PBS.
func logPBSFinish(t *taskCtx, read, stored int64) {
	t.logf("INFO: root.pxar: had to backup %s of %s (compressed %s) in 3.00 s", humanBytes(read), humanBytes(read), humanBytes(stored))
	t.logf("INFO: root.pxar: average backup speed: %s/s", humanBytes(read/3))
	t.logf("INFO: Uploaded backup catalog (%s)", humanBytes(read/1000))
	t.logf("INFO: Duration: 3.05s")
	t.logf("INFO: End Time: %s", time.Now().Local().Format("Mon Jan  2 15:04:05 2006"))
}

// humanBytes prints a size as proxmox-backup-client does (binary units).
func humanBytes(b int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(b)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", b)
	}
	return fmt.Sprintf("%.3f %s", f, units[i])
}

// pbsVolumePath is PBSPlugin.pm path(): an artificial pbs:// URL.
func pbsVolumePath(sec *storageDef, snapshot string) string {
	path := "pbs://" + pbsRepository(sec) + "/" + snapshot
	if ns := sec.Opts["namespace"]; ns != "" {
		path += "?ns=" + strings.ReplaceAll(ns, "/", "%2f")
	}
	return path
}
