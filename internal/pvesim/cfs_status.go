package pvesim

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pmxcfs serves status files that no node writes: .vmlist, which says on
// which node each guest's config lives (pve-cluster src/pmxcfs/status.c
// cfs_create_vmlist_msg), read by scripts that look a VMID up.
const cfsVMListPath = "/.vmlist"

// vmListText is .vmlist as cfs_create_vmlist_msg prints it, from the guest
// configs under nodes/*/lxc and nodes/*/qemu-server.
func (s *Simulator) vmListText() string {
	type entry struct {
		vmid          int
		node, kind    string
		configVersion uint64
	}
	var entries []entry
	var version uint64
	nodes, _ := s.cfs.ReadDir("/nodes")
	for _, nd := range nodes {
		for _, kind := range []string{"lxc", "qemu-server"} {
			dir := "/nodes/" + nd.Name() + "/" + kind
			files, _ := s.cfs.ReadDir(dir)
			for _, f := range files {
				id, ok := strings.CutSuffix(f.Name(), ".conf")
				vmid, err := strconv.Atoi(id)
				if !ok || err != nil || f.IsDir() {
					continue
				}
				v := s.cfs.Version(dir + "/" + f.Name())
				version = max(version, v)
				typ := "lxc"
				if kind == "qemu-server" {
					typ = "qemu"
				}
				entries = append(entries, entry{vmid: vmid, node: nd.Name(), kind: typ, configVersion: v})
			}
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].vmid < entries[j].vmid })
	var b strings.Builder
	b.WriteString("{\n")
	if len(entries) == 0 {
		fmt.Fprintf(&b, "\"version\": %d\n", version)
	} else {
		fmt.Fprintf(&b, "\"version\": %d,\n\"ids\": {\n", version)
		for i, e := range entries {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "\"%d\": { \"node\": \"%s\", \"type\": \"%s\", \"version\": %d }", e.vmid, e.node, e.kind, e.configVersion)
		}
		b.WriteString("}\n")
	}
	b.WriteString("\n}\n")
	return b.String()
}

// statusFileInfo describes a pmxcfs status file (read-only, 0440 as the
// plugins register them, shown 0440 & 0750 = 0440).
type statusFileInfo struct {
	name string
	size int64
}

func (i statusFileInfo) Name() string       { return i.name }
func (i statusFileInfo) Size() int64        { return i.size }
func (i statusFileInfo) Mode() fs.FileMode  { return 0o440 }
func (i statusFileInfo) ModTime() time.Time { return time.Now() }
func (i statusFileInfo) IsDir() bool        { return false }
func (i statusFileInfo) Sys() any           { return nil }
