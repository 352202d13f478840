package pvesim

import (
	"sync"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

const (
	gib = int64(1) << 30
	mib = int64(1) << 20
)

// node is one cluster member with its own storages, file tree and task list.
type node struct {
	Name     string
	IP       string
	MaxMem   int64
	MaxCPU   int
	Storages map[string]*storage
	FS       *vfs.Tree
	Tasks    []*task
	Online   bool
	pidSeq   int
	flocks   *shell.LockTable
	// vzdumpLock is vzdump's global lock: one backup job per node at a time.
	vzdumpLock sync.Mutex
}

// storage is one storage as seen from one node.
type storage struct {
	ID      string
	Type    string
	Content []string
	Total   int64
	Volumes map[string]*volume
	// Section is the storage's entry in storage.cfg (storage_sync.go keeps it current).
	Section *storageDef
}

// volume is one item of storage content: a template, a backup archive or a disk.
type volume struct {
	VolID     string   `json:"volid"`
	Content   string   `json:"content"`
	Format    string   `json:"format"`
	Size      int64    `json:"size"`
	CTime     int64    `json:"ctime"`
	VMID      int      `json:"vmid,omitempty"`
	Notes     string   `json:"notes,omitempty"`
	Protected bool     `json:"protected,omitempty"`
	Archive   *archive `json:"archive,omitempty"`
	// OSRelease is a container template's etc/os-release: what PVE's setup
	// code reads to learn the distribution, and what decides the userland.
	OSRelease string `json:"os_release,omitempty"`
	// OCI is set for an OCI image archive in vztmpl content (PVE 9): its
	// image config, which a container created from it takes (oci.go).
	OCI     *ociImage `json:"oci,omitempty"`
	Created time.Time `json:"-"`
}

// archive is what a vzdump backup holds: the guest config and its files.
type archive struct {
	Config map[string]string `json:"config"`
	// Lxc is the archived config's raw lxc.* lines.
	Lxc   [][2]string `json:"lxc,omitempty"`
	Files []vfs.Entry `json:"files"`
}

// guest is one LXC container.
type guest struct {
	VMID      int
	Node      string
	Config    map[string]string
	Running   bool
	Lock      string
	RootFS    *vfs.Tree
	IP        string
	IP6       string // eth0's global IPv6 address (net_ipv6.go)
	StartedAt time.Time
	PID       int
	// UTSName is the running system's name: the configured hostname at its
	// start, or what root set with hostname since (ct_setup.go).
	UTSName string
	// CreatedAt drives the ~10 s "unknown" status of brand-new guests in /cluster/resources.
	CreatedAt time.Time
	// Lxc holds the raw lxc.* lines of the config file, in file order.
	Lxc [][2]string
	// Pending is the [pve:pending] section (with its "delete" list), and
	// Snapshots the snapshot sections, kept as the file has them.
	Pending   map[string]string
	Snapshots map[string]*confSection
	// confVersion is the version of the config file last parsed or
	// written, so the file is parsed again only when it changed.
	confVersion uint64
}

// memoryMB reads the configured memory (MiB) of a guest.
func (g *guest) memoryMB() int64 {
	return int64(atoiDefault(g.Config["memory"], 512))
}

func (g *guest) cores() int {
	return atoiDefault(g.Config["cores"], 1)
}

// diskBytes reads the size= of the rootfs.
func (g *guest) diskBytes() int64 {
	return parseSize(propertyValue(g.Config["rootfs"], "size"))
}

func (g *guest) name() string {
	if h := g.Config["hostname"]; h != "" {
		return h
	}
	return "CT" + itoa(g.VMID)
}
