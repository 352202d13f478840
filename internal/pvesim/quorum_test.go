package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNoQuorumMakesPmxcfsReadOnly follows pve-cluster's pmxcfs without
// quorum: every change through the mount is EACCES (dcdb.c
// dcdb_send_fuse_message: if (!cfs_is_quorate()) return -EACCES), a mkdir
// of an existing entry is still EEXIST (the kernel's lookup answers it), the
// modes lose their write bits (cfs-plug-memdb.c tree_entry_stat: 0555 and
// 0444, masked by cfs_fuse_getattr), and reads go on.
func TestNoQuorumMakesPmxcfsReadOnly(t *testing.T) {
	sim := startSim(t, Options{})
	sim.SetQuorate(false)
	for script, want := range map[string]string{
		"mkdir /etc/pve/priv/lock/x":                              "mkdir: cannot create directory '/etc/pve/priv/lock/x': Permission denied\n",
		"mkdir /etc/pve/priv/lock":                                "mkdir: cannot create directory '/etc/pve/priv/lock': File exists\n",
		"echo x > /etc/pve/f; test -e /etc/pve/f || echo refused": "refused",
		"stat -c %a /etc/pve/nodes":                               "555\n",
		"stat -c %a /etc/pve/storage.cfg":                         "440\n",
		"stat -c %a /etc/pve/priv/lock":                           "500\n",
		"head -c 7 /etc/pve/corosync.conf":                        "logging",
	} {
		if _, out, errOut := sshRun(t, sim, "pve1", script, ""); !strings.Contains(out+errOut, want) {
			t.Errorf("%s: %q, want %q", script, out+errOut, want)
		}
	}
	sim.SetQuorate(true)
	script := "mkdir /etc/pve/priv/lock/x && rmdir /etc/pve/priv/lock/x && stat -c %a /etc/pve/nodes"
	if code, out, errOut := sshRun(t, sim, "pve1", script, ""); code != 0 || out != "755\n" {
		t.Errorf("with quorum back: %d %q %q", code, out, errOut)
	}
}

// TestNoQuorumAPIWrites follows PVE's API without quorum: create_vm and
// vm_start begin with PVE::Cluster::check_cfs_quorum(), which dies "cluster
// not ready - no quorum?" (pve-container src/PVE/API2/LXC.pm create_vm,
// src/PVE/API2/LXC/Status.pm vm_start); a config update fails where
// PVE::File::file_set_contents opens its temporary file; reads go on, and
// /cluster/status says quorate 0 (pve-cluster status.c).
func TestNoQuorumAPIWrites(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	sim.SetQuorate(false)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc",
		url.Values{"vmid": {"102"}, "ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"}})
	if r.Status != 500 || !strings.Contains(r.Reason+r.Raw, "cluster not ready - no quorum?") {
		t.Errorf("create without quorum: %d %q %s", r.Status, r.Reason, r.Raw)
	}
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/status/start", nil)
	if r.Status != 500 || !strings.Contains(r.Reason+r.Raw, "cluster not ready - no quorum?") {
		t.Errorf("start without quorum: %d %q %s", r.Status, r.Reason, r.Raw)
	}
	r = call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"memory": {"1024"}})
	if r.Status != 500 || !strings.Contains(r.Reason+r.Raw, "unable to open file '/etc/pve/nodes/pve1/lxc/101.conf.tmp.") ||
		!strings.Contains(r.Reason+r.Raw, "Permission denied") {
		t.Errorf("config update without quorum: %d %q %s", r.Status, r.Reason, r.Raw)
	}
	// pct runs the same API code (pct.pm's $cmddef), so it fails alike.
	if code, _, stderr := sshRun(t, sim, "pve1", "pct set 101 --memory 1024", ""); code != 255 ||
		!strings.Contains(stderr, "unable to open file '/etc/pve/nodes/pve1/lxc/101.conf.tmp.") {
		t.Errorf("pct set without quorum: %d %q", code, stderr)
	}
	r = call(t, sim, http.MethodGet, "/cluster/status", nil)
	if r.Status != 200 || !strings.Contains(r.Raw, `"quorate":0`) {
		t.Errorf("cluster status without quorum: %d %s", r.Status, r.Raw)
	}
	sim.SetQuorate(true)
	if r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/101/config", url.Values{"memory": {"1024"}}); r.Status != 200 {
		t.Errorf("config update with quorum back: %d %s", r.Status, r.Raw)
	}
}
