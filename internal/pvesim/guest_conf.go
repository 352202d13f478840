package pvesim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// A container's config lives in pmxcfs as /etc/pve/nodes/<node>/lxc/<vmid>.conf,
// in the format of pve-container src/PVE/LXC/Config.pm (parse_pct_config,
// write_pct_config). The file is the truth both ways: what the API changes
// is written there, and what is written there (over SSH, by a script) is
// what the API answers, parsed again only when the file's version changed.

// confSection is one section of the file: the current config, or a snapshot.
type confSection struct {
	Config map[string]string
	Lxc    [][2]string
}

func guestConfPath(node string, vmid int) string {
	return fmt.Sprintf("/nodes/%s/lxc/%d.conf", node, vmid)
}

// guestConfText is write_pct_config for a guest: the lock is a key like the
// others, then the pending section and the snapshots by name.
func guestConfText(g *guest) string {
	cfg := g.Config
	if g.Lock != "" {
		cfg = make(map[string]string, len(g.Config)+1)
		for k, v := range g.Config {
			cfg[k] = v
		}
		cfg["lock"] = g.Lock
	}
	var b strings.Builder
	writeConfSection(&b, cfg, g.Lxc)
	if len(g.Pending) > 0 {
		b.WriteString("\n[pve:pending]\n")
		writeConfSection(&b, g.Pending, nil)
	}
	names := make([]string, 0, len(g.Snapshots))
	for name := range g.Snapshots {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString("\n[" + name + "]\n")
		writeConfSection(&b, g.Snapshots[name].Config, g.Snapshots[name].Lxc)
	}
	return b.String()
}

// writeConfSection is write_pct_config's generate_raw_config: the
// description as encoded # lines, the keys sorted, then env (PVE 9) as one
// lxc.environment.runtime line per variable, the raw lxc lines last. env is
// a NUL-separated list in the API; a NUL never reaches the file.
func writeConfSection(b *strings.Builder, cfg map[string]string, lxc [][2]string) {
	if d := cfg["description"]; d != "" {
		for _, line := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
			b.WriteString("#" + encodeText(line) + "\n")
		}
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		if k != "description" && k != "digest" && k != "env" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + ": " + cfg[k] + "\n")
	}
	for _, variable := range strings.Split(cfg["env"], "\x00") {
		if variable != "" {
			b.WriteString(envLxcKey + ": " + variable + "\n")
		}
	}
	for _, e := range lxc {
		if e[0] == envLxcKey {
			// Written from env above, which replaces them.
			continue
		}
		b.WriteString(e[0] + ": " + e[1] + "\n")
	}
}

// envLxcKey is the raw key PVE 9 keeps the env option in (Config.pm
// parse_pct_config and write_pct_config).
const envLxcKey = "lxc.environment.runtime"

var (
	confLxcLineRe  = regexp.MustCompile(`^(lxc\.[a-z0-9_\-.]+)(:|\s*=)\s*(.*?)\s*$`)
	confDescLineRe = regexp.MustCompile(`^description:\s*(.*\S)\s*$`)
	confDeleteRe   = regexp.MustCompile(`^delete:\s*(.*\S)\s*$`)
	confKeyLineRe  = regexp.MustCompile(`^([a-z][a-z_]*\d*):\s*(.+?)\s*$`)
	confSectionRe  = regexp.MustCompile(`(?i)^\[([a-z][a-z0-9_\-]+)\]\s*$`)
	confPendingRe  = regexp.MustCompile(`(?i)^\[pve:pending\]\s*$`)
)

// parsedConf is what parse_pct_config returns.
type parsedConf struct {
	Main      confSection
	Pending   map[string]string
	Snapshots map[string]*confSection
}

// parseConfText is parse_pct_config (not strict: a line it cannot read is
// skipped, as PVE only warns). Booleans are read as check_type reads them.
func (s *Simulator) parseConfText(raw string) parsedConf {
	out := parsedConf{Main: confSection{Config: map[string]string{}}, Pending: map[string]string{}, Snapshots: map[string]*confSection{}}
	cur := &out.Main
	pending := confSection{Config: out.Pending}
	section, descr := "", ""
	flush := func() {
		if descr != "" {
			cur.Config["description"] = descr
		}
		descr = ""
	}
	for _, line := range strings.Split(raw, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if confPendingRe.MatchString(line) {
			flush()
			section, cur = "pending", &pending
			continue
		}
		if m := confSectionRe.FindStringSubmatch(line); m != nil {
			flush()
			section = m[1]
			cur = &confSection{Config: map[string]string{}}
			out.Snapshots[section] = cur
			continue
		}
		if d, ok := strings.CutPrefix(line, "#"); ok {
			descr += decodeText(d) + "\n"
			continue
		}
		if m := confLxcLineRe.FindStringSubmatch(line); m != nil {
			if m[1] == envLxcKey && s.release != release84 {
				// PVE 9 gathers these lines into env, NUL-separated.
				if old, ok := cur.Config["env"]; ok {
					cur.Config["env"] = old + "\x00" + m[3]
				} else {
					cur.Config["env"] = m[3]
				}
				continue
			}
			if lxcConfKeyValid(s.release, m[1]) {
				cur.Lxc = append(cur.Lxc, [2]string{m[1], m[3]})
			}
			// Any other key is warned about and left out (on PVE 8
			// lxc.environment.runtime is such a key).
			continue
		}
		if m := confDescLineRe.FindStringSubmatch(line); m != nil {
			descr += decodeText(m[1])
			continue
		}
		if m := confDeleteRe.FindStringSubmatch(line); m != nil {
			if section == "pending" {
				cur.Config["delete"] = m[1]
			}
			continue
		}
		if m := confKeyLineRe.FindStringSubmatch(line); m != nil {
			cur.Config[m[1]] = s.checkConfType(m[1], m[2])
		}
	}
	flush()
	return out
}

// checkConfType is Config.pm's check_type for the value types that change
// on reading: booleans become 0/1.
func (s *Simulator) checkConfType(key, value string) string {
	m, ok := s.schema["/nodes/{node}/lxc/{vmid}/config"]["PUT"]
	if !ok {
		return value
	}
	if p, ok := m.Parameters.Lookup(key); ok && p.Type == "boolean" {
		if b, ok := parseBoolean(value); ok {
			return b
		}
	}
	return value
}

// digest is the SHA1 of the config file, as load_config reports it.
func (g *guest) digest() string {
	sum := sha1.Sum([]byte(guestConfText(g)))
	return hex.EncodeToString(sum[:])
}

// writeGuestConf writes a guest's config file and remembers its version.
// As write_pct_config, it drops an unusedN whose volume a mount point of the
// current config uses; get_vm_volumes looks at rootfs and mpN only, so an
// unusedN that a snapshot still mounts stays.
func (s *Simulator) writeGuestConf(g *guest) {
	used := s.configVolumes(g.Config)
	for k, v := range g.Config {
		if isIndexedKey(k, "unused") && used[v] {
			delete(g.Config, k)
		}
	}
	p := guestConfPath(g.Node, g.VMID)
	_ = s.cfs.WriteFile(p, []byte(guestConfText(g)), 0o640)
	g.confVersion = s.cfs.Version(p)
}

func (s *Simulator) removeGuestConf(g *guest) {
	_ = s.cfs.Remove(guestConfPath(g.Node, g.VMID))
	g.confVersion = 0
}

// loadGuestConf reads the guest's file again when its version changed
// (caller holds s.mu). It reports false when the file is gone.
func (s *Simulator) loadGuestConf(g *guest) bool {
	p := guestConfPath(g.Node, g.VMID)
	v := s.cfs.Version(p)
	if v == g.confVersion && v != 0 {
		return true
	}
	if v == 0 {
		return false
	}
	raw, err := s.cfs.ReadFile(p)
	if err != nil {
		return false
	}
	s.applyParsedConf(g, s.parseConfText(string(raw)))
	g.confVersion = v
	return true
}

func (s *Simulator) applyParsedConf(g *guest, pc parsedConf) {
	g.Lock = pc.Main.Config["lock"]
	delete(pc.Main.Config, "lock")
	g.Config, g.Lxc = pc.Main.Config, pc.Main.Lxc
	g.Pending, g.Snapshots = nil, nil
	if len(pc.Pending) > 0 {
		g.Pending = pc.Pending
	}
	if len(pc.Snapshots) > 0 {
		g.Snapshots = pc.Snapshots
	}
}

// syncGuests makes the guest list agree with the config files of all nodes
// (caller holds s.mu): a file written by hand makes a guest, a removed one
// ends it, and a file moved to another node's directory moves the guest
// there, as pmxcfs's vmlist follows the files.
func (s *Simulator) syncGuests() {
	seen := map[int]bool{}
	for _, n := range s.nodes {
		entries, err := s.cfs.ReadDir("/nodes/" + n.Name + "/lxc")
		if err != nil {
			continue
		}
		for _, e := range entries {
			id, ok := strings.CutSuffix(e.Name(), ".conf")
			vmid, err := strconv.Atoi(id)
			if !ok || err != nil || vmid < 100 || seen[vmid] {
				continue
			}
			seen[vmid] = true
			g := s.guests[vmid]
			switch {
			case g == nil:
				g = &guest{VMID: vmid, Node: n.Name, Config: map[string]string{}, RootFS: vfs.New(), CreatedAt: time.Now()}
				s.guests[vmid] = g
			case g.Node != n.Name && s.cfs.Version(guestConfPath(g.Node, vmid)) == 0:
				g.Node, g.confVersion = n.Name, 0
				if g.Running {
					s.powerOff(g)
				}
			case g.Node != n.Name:
				continue
			}
			s.loadGuestConf(g)
		}
	}
	for vmid, g := range s.guests {
		if !seen[vmid] && s.cfs.Version(guestConfPath(g.Node, vmid)) == 0 {
			delete(s.guests, vmid)
		}
	}
}

// currentGuest is the guest with this VMID as the files say now (caller
// holds s.mu); a missing or moved file makes it look at all nodes.
func (s *Simulator) currentGuest(vmid int) (*guest, bool) {
	g, ok := s.guests[vmid]
	if ok && s.loadGuestConf(g) {
		return g, true
	}
	s.syncGuests()
	g, ok = s.guests[vmid]
	return g, ok
}

// localLxcDir is /etc/pve/lxc on a node: pmxcfs's symlink to the node's own
// nodes/<node>/lxc directory.
func (s *Simulator) localLxcDir(n *node) subTree {
	return subTree{t: s.cfs, dir: "/nodes/" + n.Name + "/lxc"}
}

// subTree is a directory of a vfs.Tree seen as a file system of its own.
type subTree struct {
	t   *vfs.Tree
	dir string
}

func (f subTree) abs(p string) string { return f.dir + vfs.Clean(p) }

func (f subTree) Stat(p string) (fs.FileInfo, error)     { return f.t.Stat(f.abs(p)) }
func (f subTree) ReadFile(p string) ([]byte, error)      { return f.t.ReadFile(f.abs(p)) }
func (f subTree) Mkdir(p string, perm fs.FileMode) error { return f.t.Mkdir(f.abs(p), perm) }
func (f subTree) MkdirAll(p string, perm fs.FileMode) error {
	return f.t.MkdirAll(f.abs(p), perm)
}
func (f subTree) Remove(p string) error                   { return f.t.Remove(f.abs(p)) }
func (f subTree) RemoveAll(p string) error                { return f.t.RemoveAll(f.abs(p)) }
func (f subTree) Rename(from, to string) error            { return f.t.Rename(f.abs(from), f.abs(to)) }
func (f subTree) Chtimes(p string, mtime time.Time) error { return f.t.Chtimes(f.abs(p), mtime) }
func (f subTree) ReadDir(p string) ([]fs.DirEntry, error) { return f.t.ReadDir(f.abs(p)) }
func (f subTree) WriteFile(p string, d []byte, perm fs.FileMode) error {
	return f.t.WriteFile(f.abs(p), d, perm)
}
func (f subTree) Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
	return f.t.Open(f.abs(p), flag, perm)
}

// configVolumes is PVE::LXC::Config->get_vm_volumes: the storage volumes the
// config's own rootfs and mpN mount (bind and device mounts are not volumes).
func (s *Simulator) configVolumes(cfg map[string]string) map[string]bool {
	used := map[string]bool{}
	for k, v := range cfg {
		if !isMountKey(k) {
			continue
		}
		mp, err := s.parseMountPoint(k, v)
		if err != nil || mp.kind() != "volume" || !strings.Contains(mp.volume(), ":") {
			continue
		}
		used[mp.volume()] = true
	}
	return used
}
