package pvesim

import (
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// Templates present on every node's local storage after a fresh start, per
// release: each from that release's appliance index.
var initialTemplates = map[string][]string{
	release84: {"debian-12-standard_12.7-1_amd64.tar.zst", "alpine-3.22-default_20250617_amd64.tar.xz"},
	release91: {"debian-13-standard_13.1-2_amd64.tar.zst", "debian-12-standard_12.12-1_amd64.tar.zst", "alpine-3.22-default_20250617_amd64.tar.xz"},
}

// initialTemplateVolumes are the release's initial templates as volumes of a
// storage, downloaded at the given time.
func (s *Simulator) initialTemplateVolumes(storageID string, at time.Time) []*volume {
	var out []*volume
	for _, name := range initialTemplates[s.release] {
		a, ok := s.appliance(name)
		if !ok {
			panic("initial template " + name + " is not in the " + s.release + " index")
		}
		v := templateVolume(storageID, a)
		v.CTime = at.Unix()
		out = append(out, v)
	}
	return out
}

// initCluster builds a fresh cluster: nodes of growing size, each with local
// (templates, backups, ISOs) and local-lvm (container disks).
func (s *Simulator) initCluster() error {
	names := s.opts.NodeNames
	sec, err := newSecrets(names)
	if err != nil {
		return fmt.Errorf("generating keys: %w", err)
	}
	if s.opts.TokenSecret == "" {
		s.opts.TokenSecret = uuidLike(randomBytes(16))
	}
	if s.opts.Password == "" {
		s.opts.Password = base64URL(randomBytes(12))
	}
	sec.TokenSecret, sec.Password = s.opts.TokenSecret, s.opts.Password
	s.sec = sec
	s.clusterName = "proximity-sim"
	s.cfs = vfs.New()
	now := time.Now()
	for i, name := range names {
		n := &node{
			Name: name, IP: s.nodeAddress(i), MaxMem: (16 * gib) << i, MaxCPU: 4 << i,
			FS: vfs.New(), Online: true, Storages: map[string]*storage{}, flocks: shell.NewLockTable(),
		}
		s.seedNodeStorages(n, now)
		s.seedNodeFS(n)
		s.nodes = append(s.nodes, n)
	}
	s.seedClusterFS()
	return nil
}

// seedNodeFS lays out a node's own tree: the Debian release the node's PVE
// release runs on (bookworm for 8.4, trixie for 9.1) and its pve-manager build.
func (s *Simulator) seedNodeFS(n *node) {
	t := n.FS
	for _, d := range []string{"/root", "/tmp", "/etc", "/var/lib/vz/template/cache", "/var/lib/vz/dump", "/var/log/pve/tasks", "/run/lock/lxc"} {
		_ = t.MkdirAll(d, 0o755)
	}
	rel := s.rel()
	_ = t.WriteFile("/etc/hostname", []byte(n.Name+"\n"), 0o644)
	_ = t.WriteFile("/etc/os-release", []byte(rel.osRelease), 0o644)
	_ = t.WriteFile("/etc/debian_version", []byte(rel.debianVersion+"\n"), 0o644)
	_ = t.WriteFile("/etc/pve-release", []byte(rel.pveversion()+"\n"), 0o644)
}

// seedClusterFS lays out /etc/pve as pmxcfs shows it.
func (s *Simulator) seedClusterFS() {
	t := s.cfs
	_ = t.MkdirAll("/priv/lock", 0o700)
	for _, n := range s.nodes {
		_ = t.MkdirAll("/nodes/"+n.Name+"/lxc", 0o755)
		_ = t.MkdirAll("/nodes/"+n.Name+"/qemu-server", 0o755)
	}
	var members strings.Builder
	fmt.Fprintf(&members,
		"{\n\"nodename\": \"%s\",\n\"version\": 3,\n\"cluster\": { \"name\": \"%s\", \"version\": 3, \"nodes\": %d, \"quorate\": 1 },\n\"nodelist\": {\n",
		s.nodes[0].Name, s.clusterName, len(s.nodes))
	for i, n := range s.nodes {
		sep := ","
		if i == len(s.nodes)-1 {
			sep = ""
		}
		fmt.Fprintf(&members, "  \"%s\": { \"id\": %d, \"online\": 1, \"ip\": \"%s\"}%s\n", n.Name, i+1, n.IP, sep)
	}
	members.WriteString("}\n}\n")
	_ = t.WriteFile("/.members", []byte(members.String()), 0o440)
	_ = t.WriteFile("/corosync.conf", []byte(s.corosyncConf()), 0o640)
	_ = t.WriteFile("/storage.cfg",
		[]byte("dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n"+
			"\tcontent rootdir,images\n"), 0o640)
	_ = t.WriteFile("/datacenter.cfg", []byte("keyboard: en-us\n"), 0o640)
	s.installCFSLockHook()
}

// installCFSLockHook gives /etc/pve/priv/lock pmxcfs's semantics: setting a
// lock directory's times to 0 removes it once it is older than the lock
// lifetime, which is how cfs_lock breaks the lock of a dead holder.
func (s *Simulator) installCFSLockHook() {
	s.cfs.ChtimesHook = func(t *vfs.Tree, name string, mtime time.Time) (bool, error) {
		if !strings.HasPrefix(name, "/priv/lock/") || mtime.Unix() != 0 {
			return false, nil
		}
		st, err := statLocked(t, name)
		if err != nil || !st.IsDir() {
			return false, nil
		}
		if time.Since(st.ModTime()) >= s.opts.LockLifetime {
			return true, t.RemoveLocked(name)
		}
		// A live lock stays; pmxcfs answers the request without breaking it.
		return true, nil
	}
}

// statLocked reads a path's info while the tree lock is already held by the hook.
func statLocked(t *vfs.Tree, name string) (fs.FileInfo, error) {
	return t.StatLocked(name)
}

func uuidLike(b []byte) string {
	h := fmt.Sprintf("%x", b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
