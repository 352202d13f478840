package pvesim

import (
	"io/fs"
	"net/http"
	"strings"
	"syscall"
)

// SetQuorate makes the cluster gain or lose quorum, as when corosync loses
// or regains the majority of votes. Without quorum pmxcfs is read-only:
// every change through the mount fails with EACCES (pve-cluster
// src/pmxcfs/dcdb.c dcdb_send_fuse_message: if (!cfs_is_quorate()) return
// -EACCES), entries show no write bits (cfs-plug-memdb.c tree_entry_stat:
// 0555 and 0444), and the API's writes fail as PVE's do (quorumGuard).
func (s *Simulator) SetQuorate(quorate bool) { s.noQuorum.Store(!quorate) }

// quorate tells whether the cluster has quorum.
func (s *Simulator) quorate() bool { return !s.noQuorum.Load() }

// errNoQuorumWrite is a write to pmxcfs without quorum.
func errNoQuorumWrite(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: syscall.EACCES}
}

// quorumReadOnly takes the write bits off a mode when the cluster has no
// quorum, as tree_entry_stat reports 0555 and 0444 then.
func (s *Simulator) quorumReadOnly(m fs.FileMode) fs.FileMode {
	if s.quorate() {
		return m
	}
	return m &^ 0o222
}

// checkCfsQuorumRoutes are the API calls that begin with
// PVE::Cluster::check_cfs_quorum(), which dies "cluster not ready - no
// quorum?" (pve-container src/PVE/API2/LXC.pm create_vm, clone_vm,
// migrate_vm; src/PVE/API2/LXC/Status.pm vm_start).
var checkCfsQuorumRoutes = map[string]bool{
	"POST /nodes/{node}/lxc":                     true,
	"POST /nodes/{node}/lxc/{vmid}/clone":        true,
	"POST /nodes/{node}/lxc/{vmid}/migrate":      true,
	"POST /nodes/{node}/lxc/{vmid}/status/start": true,
	// pve-network src/PVE/API2/Network/SDN/Zones.pm, Vnets.pm, Subnets.pm create.
	"POST /cluster/sdn/zones":                true,
	"POST /cluster/sdn/vnets":                true,
	"POST /cluster/sdn/vnets/{vnet}/subnets": true,
}

// quorumWriteFiles are the files other API writes change, by route prefix:
// without quorum they fail where PVE::File::file_set_contents opens its
// temporary file ("unable to open file '<file>.tmp.<pid>' - Permission
// denied").
var quorumWriteFiles = []struct{ prefix, file string }{
	{"/nodes/{node}/lxc/{vmid}/config", "/etc/pve/nodes/{node}/lxc/{vmid}.conf"},
	{"/nodes/{node}/lxc/{vmid}/resize", "/etc/pve/nodes/{node}/lxc/{vmid}.conf"},
	{"/cluster/options", "/etc/pve/datacenter.cfg"},
	{"/storage", "/etc/pve/storage.cfg"},
	{"/access/users", "/etc/pve/user.cfg"},
	{"/access/acl", "/etc/pve/user.cfg"},
	{"/access/roles", "/etc/pve/user.cfg"},
	{"/access/groups", "/etc/pve/user.cfg"},
}

// quorumGuard answers an API write as PVE does without quorum; reads, and
// the calls that write nothing to pmxcfs (tickets, stopping a guest), go on.
func (s *Simulator) quorumGuard(method, template string, vars map[string]string) *apiError {
	if s.quorate() || method == http.MethodGet {
		return nil
	}
	if checkCfsQuorumRoutes[method+" "+template] {
		return fail("cluster not ready - no quorum?\n")
	}
	for _, w := range quorumWriteFiles {
		if template == w.prefix || strings.HasPrefix(template, w.prefix+"/") {
			file := w.file
			for k, v := range vars {
				file = strings.ReplaceAll(file, "{"+k+"}", v)
			}
			return fail("unable to open file '%s.tmp.%d' - Permission denied\n", file, s.pvedaemonPID())
		}
	}
	return nil
}

// pvedaemonPID is the $$ that PVE's temporary file names carry: a worker of
// pvedaemon; the simulator's is fixed.
func (s *Simulator) pvedaemonPID() int { return 1342 }
