package pvesim

import (
	"strings"
	"testing"
)

// /etc/pve/lxc is pmxcfs's link to nodes/<node>/lxc (pve-cluster
// src/pmxcfs/pmxcfs.c creates it with cfs_plug_link_new), so what is written
// through it meets pmxcfs's rules (memdb.c memdb_write: EFBIG past 1 MiB;
// pmxcfs.c cfs_fuse_chmod: only the fixed mode), and a rename out of it
// stays inside pmxcfs instead of crossing devices.
func TestPmxcfsLxcLinkIsPmxcfs(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	code, _, stderr := sshRun(t, sim, "pve1", "head -c 2M /dev/zero > /etc/pve/lxc/big.conf", "")
	if code != 1 || stderr != "head: error writing 'standard output': File too large\n" {
		t.Errorf("2 MiB through the lxc link: %d %q", code, stderr)
	}
	script := "rm -f /etc/pve/lxc/big.conf; echo x > /etc/pve/lxc/n && chmod 640 /etc/pve/lxc/n && ls /etc/pve/nodes/pve1/lxc && " +
		"mv /etc/pve/lxc/n /etc/pve/moved && cat /etc/pve/moved && chmod 755 /etc/pve/moved"
	code, out, stderr := sshRun(t, sim, "pve1", script, "")
	if code != 1 || out != "n\nx\n" || !strings.Contains(stderr, "chmod: changing permissions of '/etc/pve/moved': Operation not permitted") {
		t.Errorf("through the lxc link: %d %q %q", code, out, stderr)
	}
}
