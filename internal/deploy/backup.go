package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// BackupSpec is what a backup asks for.
type BackupSpec struct {
	Node      string
	VMID      int
	Storage   string // "": the node's first storage that holds backups
	Mode      string // snapshot, suspend or stop
	Compress  string // zstd, gzip, lzo or none
	Notes     string
	Protected bool
}

// Backup is one vzdump archive.
type Backup struct {
	VolID, Node, Storage string
	VMID                 int
	Size                 int64
	Format               string // tar.zst, tar.gz, tar.lzo or tar
	CreatedAt            time.Time
	Notes                string
	Protected            bool
}

// CompressOf is the compress setting that makes an archive of this format.
func CompressOf(format string) string {
	switch format {
	case "tar.zst":
		return "zstd"
	case "tar.gz":
		return "gzip"
	case "tar.lzo":
		return "lzo"
	}
	return "none"
}

// CreateBackup runs vzdump for one container and waits for it. A container
// locked by another operation (another backup, most often) is waited for,
// as long as ctx allows; the archive comes from the task, never from a name
// guessed from the clock.
func (d *Service) CreateBackup(ctx context.Context, spec BackupSpec) (Backup, error) {
	if spec.Storage == "" {
		storage, err := d.backupStorage(ctx, spec.Node)
		if err != nil {
			return Backup{}, err
		}
		spec.Storage = storage
	}
	compress := spec.Compress
	if compress == "none" {
		compress = "0"
	}
	for {
		if err := d.waitUnlocked(ctx, spec.Node, spec.VMID); err != nil {
			return Backup{}, err
		}
		// Notes are set afterwards, word for word: vzdump's notes-template
		// would expand {{guestname}} and \n in them.
		vol, err := d.Client.Backup(ctx, spec.Node, spec.VMID, pveclient.BackupOptions{
			Storage: spec.Storage, Mode: spec.Mode, Compress: compress, Protected: spec.Protected,
		})
		if lockedMeanwhile(err) {
			continue // locked between our look and vzdump's: wait again
		}
		if err != nil {
			return Backup{}, err
		}
		b := backupOf(spec.Node, spec.Storage, vol)
		if spec.Notes != "" {
			if err := d.Client.UpdateVolume(ctx, b.Node, b.Storage, b.VolID, spec.Notes, spec.Protected); err != nil {
				return b, fmt.Errorf("backup %s was made, but its notes were not set: %w", b.VolID, err)
			}
			b.Notes = spec.Notes
		}
		return b, nil
	}
}

// lockedMeanwhile reports a vzdump that failed on the guest's lock.
func lockedMeanwhile(err error) bool {
	var task *pveclient.TaskError
	if !errors.As(err, &task) {
		return false
	}
	for _, line := range task.LogTail {
		if strings.Contains(line, "CT is locked") {
			return true
		}
	}
	return false
}

// waitUnlocked waits until no operation holds the container's lock.
func (d *Service) waitUnlocked(ctx context.Context, node string, vmid int) error {
	for delay := 500 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		st, err := d.Client.GuestStatus(ctx, node, vmid)
		if err != nil {
			return err
		}
		if st.Lock == "" {
			return nil
		}
		tflog.Info(ctx, "waiting for the container's lock", map[string]any{"vmid": vmid, "lock": st.Lock})
		select {
		case <-ctx.Done():
			return fmt.Errorf("CT %d on %s stayed locked (%s): %w", vmid, node, st.Lock, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// backupStorage is the node's first storage (by name, as PVE lists them)
// that holds backups.
func (d *Service) backupStorage(ctx context.Context, node string) (string, error) {
	storages, err := d.Client.Storages(ctx, node)
	if err != nil {
		return "", err
	}
	var names []string
	for _, s := range storages {
		if s.Holds("backup") {
			names = append(names, s.ID)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("node %s has no storage for backups; add backup to a storage's content, or set storage", node)
	}
	sort.Strings(names)
	return names[0], nil
}

func backupOf(node, storage string, v pveclient.Volume) Backup {
	return Backup{
		VolID: v.VolID, Node: node, Storage: storage, VMID: v.VMID, Size: v.Size, Format: v.Format,
		CreatedAt: time.Unix(v.CTime, 0).UTC(), Notes: v.Notes, Protected: v.Protected == 1,
	}
}

// ReadBackup finds an archive on a node's storage; found is false when it is gone.
func (d *Service) ReadBackup(ctx context.Context, node, volid string) (b Backup, found bool, err error) {
	storage, _, _ := strings.Cut(volid, ":")
	vols, err := d.Client.Content(ctx, node, storage, "backup", 0)
	if pveclient.IsNotFound(err) {
		return Backup{}, false, nil
	}
	if err != nil {
		return Backup{}, false, err
	}
	for _, v := range vols {
		if v.VolID != volid {
			continue
		}
		b = backupOf(node, storage, v)
		info, err := d.Client.GetVolume(ctx, node, storage, volid)
		if err != nil {
			return Backup{}, false, err
		}
		b.Notes = strings.TrimSuffix(info.Notes, "\n")
		return b, true, nil
	}
	return Backup{}, false, nil
}

// FindBackup looks for an archive on every online node (a backup storage
// may be local to one node or shared by all).
func (d *Service) FindBackup(ctx context.Context, volid string) (Backup, error) {
	nodes, err := d.Client.OnlineNodes(ctx)
	if err != nil {
		return Backup{}, err
	}
	sort.Strings(nodes)
	for _, node := range nodes {
		b, found, err := d.ReadBackup(ctx, node, volid)
		if err != nil {
			return Backup{}, err
		}
		if found {
			return b, nil
		}
	}
	return Backup{}, fmt.Errorf("no online node (%s) has backup %s", strings.Join(nodes, ", "), volid)
}

// UpdateBackup sets an archive's notes and protection.
func (d *Service) UpdateBackup(ctx context.Context, b Backup, notes string, protected bool) error {
	return d.Client.UpdateVolume(ctx, b.Node, b.Storage, b.VolID, notes, protected)
}

// DeleteBackup removes an archive; one already gone is fine, a protected
// one is refused with the way out.
func (d *Service) DeleteBackup(ctx context.Context, b Backup) error {
	current, found, err := d.ReadBackup(ctx, b.Node, b.VolID)
	if err != nil || !found {
		return err
	}
	if current.Protected {
		return fmt.Errorf("backup %s is protected; set protected = false and apply, then remove it", b.VolID)
	}
	return d.Client.DeleteVolume(ctx, b.Node, b.Storage, b.VolID)
}

// ListBackups lists a container's archives on every online node, in every
// backup storage (or the one named), newest first; an archive on a shared
// storage appears once.
func (d *Service) ListBackups(ctx context.Context, vmid int, storage string) ([]Backup, error) {
	nodes, err := d.Client.OnlineNodes(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Backup
	for _, node := range nodes {
		storages, err := d.Client.Storages(ctx, node)
		if err != nil {
			return nil, err
		}
		for _, s := range storages {
			if !s.Holds("backup") || (storage != "" && s.ID != storage) {
				continue
			}
			vols, err := d.Client.Content(ctx, node, s.ID, "backup", vmid)
			if err != nil {
				return nil, err
			}
			for _, v := range vols {
				if !seen[v.VolID] {
					seen[v.VolID] = true
					out = append(out, backupOf(node, s.ID, v))
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].VolID > out[j].VolID
	})
	return out, nil
}
