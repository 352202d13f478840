package pveclient

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Storage is one storage as a node sees it.
type Storage struct {
	ID      string `json:"storage"`
	Type    string `json:"type"`
	Content string `json:"content"`
	Total   int64  `json:"total"`
	Used    int64  `json:"used"`
	Avail   int64  `json:"avail"`
	Active  int    `json:"active"`
	Enabled int    `json:"enabled"`
	Shared  int    `json:"shared"` // one content seen by every node (nfs, cephfs, pbs, shared=1)
}

// Holds reports whether the storage takes a content type (rootdir, vztmpl, backup).
func (s Storage) Holds(content string) bool {
	for _, c := range strings.Split(s.Content, ",") {
		if c == content {
			return true
		}
	}
	return false
}

// Volume is one item of storage content.
type Volume struct {
	VolID     string `json:"volid"`
	Content   string `json:"content"`
	Format    string `json:"format"`
	Size      int64  `json:"size"`
	CTime     int64  `json:"ctime"`
	VMID      int    `json:"vmid"`
	Notes     string `json:"notes"`
	Protected int    `json:"protected"`
}

func storagePath(node, storage string) string {
	return "/nodes/" + url.PathEscape(node) + "/storage/" + url.PathEscape(storage)
}

// Storages lists a node's storages, the most free space first.
func (c *Client) Storages(ctx context.Context, node string) ([]Storage, error) {
	var out []Storage
	err := c.do(ctx, "listing the storages of "+node, func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/storage", &out)
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Avail > out[j].Avail })
	return out, err
}

// Content lists a storage's volumes of one content type, optionally of one guest.
func (c *Client) Content(ctx context.Context, node, storage, content string, vmid int) ([]Volume, error) {
	q := url.Values{}
	if content != "" {
		q.Set("content", content)
	}
	if vmid != 0 {
		q.Set("vmid", strconv.Itoa(vmid))
	}
	var out []Volume
	err := c.do(ctx, fmt.Sprintf("listing %s on %s/%s", content, node, storage), func(ctx context.Context) error {
		out = nil
		return c.api.Get(ctx, storagePath(node, storage)+"/content?"+q.Encode(), &out)
	})
	return out, err
}

// DownloadTemplate fetches an appliance template into a storage and waits.
func (c *Client) DownloadTemplate(ctx context.Context, node, storage, template string) error {
	volid := storage + ":vztmpl/" + template
	present := func(ctx context.Context) (bool, error) {
		vols, err := c.Content(ctx, node, storage, "vztmpl", 0)
		for _, v := range vols {
			if v.VolID == volid {
				return true, nil
			}
		}
		return false, err
	}
	return c.startAndWait(ctx, fmt.Sprintf("downloading %s to %s on %s", template, storage, node), "/nodes/"+url.PathEscape(node)+"/aplinfo",
		map[string]any{"storage": storage, "template": template}, present)
}

// vzdumpTasks lists the UPIDs of a node's vzdump tasks for one guest,
// running or finished.
func (c *Client) vzdumpTasks(ctx context.Context, node string, vmid int) (map[string]bool, error) {
	var items []struct {
		UPID string `json:"upid"`
	}
	err := c.do(ctx, "listing the backup tasks of CT "+strconv.Itoa(vmid), func(ctx context.Context) error {
		items = nil
		return c.api.Get(ctx, "/nodes/"+url.PathEscape(node)+"/tasks?typefilter=vzdump&source=all&limit=500&vmid="+strconv.Itoa(vmid), &items)
	})
	out := make(map[string]bool, len(items))
	for _, it := range items {
		out[it.UPID] = true
	}
	return out, err
}

// BackupOptions are the vzdump settings of one backup.
type BackupOptions struct {
	Storage   string
	Mode      string // snapshot, suspend or stop
	Compress  string // zstd, gzip, lzo or 0
	Notes     string
	Protected bool
}

// archiveLine is the line vzdump logs before it writes the archive
// (pve-manager PVE/VZDump.pm exec_backup_task: "creating $archive_txt
// archive '$task->{target}'"): a file path for a file storage, the snapshot
// "ct/<vmid>/<UTC time>" for a Proxmox Backup Server.
var archiveLine = regexp.MustCompile(`creating (vzdump|Proxmox Backup Server) archive '([^']+)'`)

// archiveVolume is the volid an archive line names on a storage: a PBS
// snapshot is "<storage>:backup/ct/<vmid>/<time>" (PBSPlugin.pm
// parse_volname), a file "<storage>:backup/<file name>". The file's
// directory is the storage's, which the API never shows.
func archiveVolume(storage, kind, target string) string {
	if kind == "Proxmox Backup Server" {
		return storage + ":backup/" + target
	}
	return storage + ":backup/" + target[strings.LastIndex(target, "/")+1:]
}

// Backup runs vzdump for one container and returns the archive's volid,
// read from the task log and confirmed in the storage content, never guessed
// from the clock.
func (c *Client) Backup(ctx context.Context, node string, vmid int, o BackupOptions) (Volume, error) {
	body := map[string]any{"vmid": strconv.Itoa(vmid), "storage": o.Storage, "mode": o.Mode, "compress": o.Compress}
	if o.Notes != "" {
		body["notes-template"] = o.Notes
	}
	if o.Protected {
		body["protected"] = 1
	}
	what := fmt.Sprintf("backing up CT %d on %s", vmid, node)
	upid, err := c.startVzdump(ctx, node, vmid, body, what)
	if err != nil {
		return Volume{}, err
	}
	if _, err := c.WaitTask(ctx, upid); err != nil {
		// vzdump checks the storage in its worker: a storage that is
		// missing, disabled or takes no backups fails the task, and the
		// task error carries its last log lines, which say why.
		return Volume{}, fmt.Errorf("%s to storage %s: %w", what, o.Storage, err)
	}
	return c.taskArchive(ctx, node, vmid, o.Storage, upid, what)
}

// startVzdump posts a vzdump once. A repeated POST whose first answer was
// lost would make a second archive: the vzdump tasks known before the
// first attempt tell a task that attempt started from older ones.
func (c *Client) startVzdump(ctx context.Context, node string, vmid int, body map[string]any, what string) (string, error) {
	before, err := c.vzdumpTasks(ctx, node, vmid)
	if err != nil {
		return "", err
	}
	var upid string
	attempts := 0
	err = c.do(ctx, what, func(ctx context.Context) error {
		if attempts++; attempts > 1 {
			now, err := c.vzdumpTasks(ctx, node, vmid)
			if err != nil {
				return err
			}
			for id := range now {
				if !before[id] {
					upid = id
					return nil
				}
			}
		}
		return c.api.Post(ctx, "/nodes/"+url.PathEscape(node)+"/vzdump", body, &upid)
	})
	return upid, err
}

// taskArchive is the archive a finished vzdump task made: its log names
// it, and the storage lists it.
func (c *Client) taskArchive(ctx context.Context, node string, vmid int, storage, upid, what string) (Volume, error) {
	var volid string
	for _, line := range c.taskLogTail(ctx, node, upid, 1000) {
		if m := archiveLine.FindStringSubmatch(line); m != nil {
			volid = archiveVolume(storage, m[1], m[2])
		}
	}
	if volid == "" {
		return Volume{}, fmt.Errorf("%s: the task log of %s names no archive", what, upid)
	}
	vols, err := c.Content(ctx, node, storage, "backup", vmid)
	if err != nil {
		return Volume{}, err
	}
	for _, v := range vols {
		if v.VolID == volid {
			return v, nil
		}
	}
	return Volume{}, fmt.Errorf("%s: archive %s is not in storage %s", what, volid, storage)
}

// DeleteVolume removes a volume and waits; a missing one is fine.
func (c *Client) DeleteVolume(ctx context.Context, node, storage, volid string) error {
	var upid string
	err := c.do(ctx, "deleting "+volid, func(ctx context.Context) error {
		return c.api.Delete(ctx, storagePath(node, storage)+"/content/"+url.PathEscape(volid), &upid)
	})
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.WaitTask(ctx, upid)
	return err
}

// UpdateVolume sets a backup's notes and protection.
func (c *Client) UpdateVolume(ctx context.Context, node, storage, volid, notes string, protected bool) error {
	body := map[string]any{"notes": notes, "protected": 0}
	if protected {
		body["protected"] = 1
	}
	return c.do(ctx, "updating "+volid, func(ctx context.Context) error {
		return c.api.Put(ctx, storagePath(node, storage)+"/content/"+url.PathEscape(volid), body, nil)
	})
}
