package backups

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

// Service makes, reads, changes and removes vzdump archives of containers.
type Service struct {
	Client *pveclient.Client
}

// Spec is what a backup asks for.
type Spec struct {
	Node      string
	VMID      int
	Storage   string // "": DefaultStorageRule
	Mode      string // snapshot, suspend or stop
	Compress  string // zstd, gzip, lzo or none
	Notes     string
	Protected bool
}

// Archive is one vzdump archive.
type Archive struct {
	VolID, Node, Storage string
	VMID                 int
	Size                 int64
	Format               string // tar.zst, tar.gz, tar.lzo, tar, or pbs-ct on Proxmox Backup Server
	CreatedAt            time.Time
	Notes                string
	Protected            bool
}

// CompressOf is the compress setting that makes an archive of this format,
// and "" for a Proxmox Backup Server snapshot (format pbs-ct), which PBS
// compresses itself whatever vzdump's compress says.
func CompressOf(format string) string {
	switch format {
	case "pbs-ct":
		return ""
	case "tar.zst":
		return "zstd"
	case "tar.gz":
		return "gzip"
	case "tar.lzo":
		return "lzo"
	}
	return "none"
}

// Create runs vzdump for one container and waits for it. A container
// locked by another operation (another backup, most often) is waited for,
// as long as ctx allows; the archive comes from the task, never from a name
// guessed from the clock.
func (s *Service) Create(ctx context.Context, spec Spec) (Archive, error) {
	if spec.Storage == "" {
		storage, err := s.defaultStorage(ctx, spec.Node, spec.VMID)
		if err != nil {
			return Archive{}, err
		}
		spec.Storage = storage
	}
	compress := spec.Compress
	if compress == "none" {
		compress = "0"
	}
	for {
		if err := s.waitUnlocked(ctx, spec.Node, spec.VMID); err != nil {
			return Archive{}, err
		}
		// Notes are set afterwards, word for word: vzdump's notes-template
		// would expand {{guestname}} and \n in them.
		vol, err := s.Client.Backup(ctx, spec.Node, spec.VMID, pveclient.BackupOptions{
			Storage: spec.Storage, Mode: spec.Mode, Compress: compress, Protected: spec.Protected,
		})
		if lockedMeanwhile(err) {
			continue // locked between our look and vzdump's: wait again
		}
		if err != nil {
			return Archive{}, storageFailure(spec.Node, spec.Storage, err)
		}
		b := backupOf(spec.Node, spec.Storage, vol)
		if spec.Notes != "" {
			if err := s.Client.UpdateVolume(ctx, b.Node, b.Storage, b.VolID, spec.Notes, spec.Protected); err != nil {
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
func (s *Service) waitUnlocked(ctx context.Context, node string, vmid int) error {
	for delay := 500 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		st, err := s.Client.GuestStatus(ctx, node, vmid)
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

// Takes reports whether a storage takes backups: enabled, active on the
// node, and with backup among its content types. PVE lists disabled
// storages, and those of other nodes as inactive.
func Takes(st pveclient.Storage) bool {
	return st.Active == 1 && st.Enabled == 1 && st.Holds("backup")
}

// Storages are the names of a node's storages that take backups, sorted.
func (s *Service) Storages(ctx context.Context, node string) ([]string, error) {
	storages, err := s.Client.Storages(ctx, node)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, st := range storages {
		if Takes(st) {
			names = append(names, st.ID)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ContainerExists reports whether a node has the container to back up;
// false only when PVE says it has none.
func (s *Service) ContainerExists(ctx context.Context, node string, vmid int) (bool, error) {
	_, err := s.Client.GuestStatus(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func backupOf(node, storage string, v pveclient.Volume) Archive {
	return Archive{
		VolID: v.VolID, Node: node, Storage: storage, VMID: v.VMID, Size: v.Size, Format: v.Format,
		CreatedAt: time.Unix(v.CTime, 0).UTC(), Notes: v.Notes, Protected: v.Protected == 1,
	}
}

// Read finds an archive on a node's storage; found is false when it is gone.
func (s *Service) Read(ctx context.Context, node, volid string) (b Archive, found bool, err error) {
	storage, _, _ := strings.Cut(volid, ":")
	vols, err := s.Client.Content(ctx, node, storage, "backup", 0)
	if pveclient.IsNotFound(err) {
		return Archive{}, false, nil
	}
	if err != nil {
		return Archive{}, false, err
	}
	for _, v := range vols {
		if v.VolID != volid {
			continue
		}
		b = backupOf(node, storage, v)
		info, err := s.Client.GetVolume(ctx, node, storage, volid)
		if err != nil {
			return Archive{}, false, err
		}
		b.Notes = strings.TrimSuffix(info.Notes, "\n")
		return b, true, nil
	}
	return Archive{}, false, nil
}

// Find looks for an archive on every online node (a backup storage
// may be local to one node or shared by all).
func (s *Service) Find(ctx context.Context, volid string) (Archive, error) {
	nodes, err := s.Client.OnlineNodes(ctx)
	if err != nil {
		return Archive{}, err
	}
	sort.Strings(nodes)
	for _, node := range nodes {
		b, found, err := s.Read(ctx, node, volid)
		if err != nil {
			return Archive{}, err
		}
		if found {
			return b, nil
		}
	}
	return Archive{}, fmt.Errorf("no online node (%s) has backup %s", strings.Join(nodes, ", "), volid)
}

// Update sets an archive's notes and protection.
func (s *Service) Update(ctx context.Context, b Archive, notes string, protected bool) error {
	return s.Client.UpdateVolume(ctx, b.Node, b.Storage, b.VolID, notes, protected)
}

// Delete removes an archive; one already gone is fine, a protected
// one is refused with the way out.
func (s *Service) Delete(ctx context.Context, b Archive) error {
	current, found, err := s.Read(ctx, b.Node, b.VolID)
	if err != nil || !found {
		return err
	}
	if current.Protected {
		return fmt.Errorf("backup %s is protected; set protected = false and apply, then remove it", b.VolID)
	}
	return s.Client.DeleteVolume(ctx, b.Node, b.Storage, b.VolID)
}

// List lists a container's archives on every online node, in every
// backup storage (or the one named), newest first; an archive on a shared
// storage appears once.
func (s *Service) List(ctx context.Context, vmid int, storage string) ([]Archive, error) {
	nodes, err := s.Client.OnlineNodes(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Archive
	for _, node := range nodes {
		storages, err := s.Storages(ctx, node)
		if err != nil {
			return nil, err
		}
		for _, id := range storages {
			if storage != "" && id != storage {
				continue
			}
			vols, err := s.Client.Content(ctx, node, id, "backup", vmid)
			if err != nil {
				return nil, err
			}
			for _, v := range vols {
				if !seen[v.VolID] {
					seen[v.VolID] = true
					out = append(out, backupOf(node, id, v))
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
