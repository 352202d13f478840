package pvesim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestPctListConfigStatus follows pve-container src/PVE/CLI/pct.pm: list
// prints "%-10s %-10s %-12s %-20s\n" rows sorted by VMID; config prints
// sorted "key: value" lines without digest; status prints "status: ...".
func TestPctListConfigStatus(t *testing.T) {
	sim := startSim(t, Options{})
	if code, out, _ := sshRun(t, sim, "pve1", "pct list", ""); code != 0 || out != "" {
		t.Errorf("empty list: %d %q", code, out)
	}
	createCT(t, sim, "pve1", 105, url.Values{"hostname": {"web"}, "description": {"a: b\n"}})
	createCT(t, sim, "pve1", 101, url.Values{"hostname": {"db"}, "start": {"1"}})
	want := fmt.Sprintf("%-10s %-10s %-12s %-20s\n%-10s %-10s %-12s %-20s\n%-10s %-10s %-12s %-20s\n",
		"VMID", "Status", "Lock", "Name", "101", "running", "", "db", "105", "stopped", "", "web")
	if code, out, _ := sshRun(t, sim, "pve1", "pct list", ""); code != 0 || out != want {
		t.Errorf("pct list:\n%q\nwant\n%q", out, want)
	}
	code, out, _ := sshRun(t, sim, "pve1", "pct config 105", "")
	if code != 0 || !strings.Contains(out, "hostname: web\n") || strings.Contains(out, "digest") || !strings.Contains(out, "description: a%3A b%0A\n") {
		t.Errorf("pct config: %d %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i-1] > lines[i] {
			t.Errorf("pct config is not sorted: %q before %q", lines[i-1], lines[i])
		}
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct status 101", ""); code != 0 || out != "status: running\n" {
		t.Errorf("status: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve2", "pct config 105", ""); code != 255 ||
		!strings.Contains(stderr, "Configuration file 'nodes/pve2/lxc/105.conf' does not exist") {
		t.Errorf("config on the wrong node: %d %q", code, stderr)
	}
}

// TestPctSetUsesAPIRules: pct set is update_vm of PVE::API2::LXC::Config
// (pct.pm $cmddef set), so the schema and the API's checks apply.
func TestPctSetUsesAPIRules(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	if code, _, stderr := sshRun(t, sim, "pve1", "pct set 101 --memory 1024 -cores=2", ""); code != 0 {
		t.Fatalf("pct set: %d %q", code, stderr)
	}
	if _, out, _ := sshRun(t, sim, "pve1", "pct config 101", ""); !strings.Contains(out, "memory: 1024\n") || !strings.Contains(out, "cores: 2\n") {
		t.Errorf("after set: %q", out)
	}
	code, _, stderr := sshRun(t, sim, "pve1", "pct set 101 --memory lots", "")
	if code != 255 || !strings.Contains(stderr, "400 Parameter verification failed.\nmemory: type check ('integer') failed - got 'lots'") {
		t.Errorf("bad memory: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct set 101 --nosuchoption 1", ""); code != 255 || !strings.Contains(stderr, "nosuchoption") {
		t.Errorf("unknown option: %d %q", code, stderr)
	}
}

// TestPctPushPull follows pct.pm push and pull: the copy runs in a forked
// worker and pct has no $upid_exit for them, so a failed copy prints its
// error and exits 0 (RESTEnvironment.pm fork_worker/$tee_worker prints the
// "TASK ERROR" message on stderr); a stopped container dies before the
// worker ("can only push files to a running CT", exit 255).
func TestPctPushPull(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	code, _, stderr := sshRun(t, sim, "pve1", "pct push 101 /root/missing /tmp/x", "")
	if code != 0 || stderr != "failed to open /root/missing for reading\n" {
		t.Errorf("push of a missing file: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "echo hi > /root/a && pct push 101 /root/a /opt/none/a", ""); code != 0 ||
		!strings.Contains(stderr, "failed to create file: /opt/none/a: No such file or directory") {
		t.Errorf("push into a missing directory: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct push 101 /root/a /root/a --perms 600 && pct pull 101 /root/a /root/b && cat /root/b",
		""); code != 0 || stderr != "" {
		t.Errorf("push and pull: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct exec 101 -- stat -c %a /root/a", ""); code != 0 || out != "600\n" {
		t.Errorf("pushed file mode: %d %q", code, out)
	}
	// pct.pm create_file: an existing file keeps its mode without
	// --perms, and takes the given one with it.
	if code, out, _ := sshRun(t, sim, "pve1",
		"pct push 101 /root/a /root/a && pct exec 101 -- stat -c %a /root/a && pct push 101 /root/a /root/a --perms 0755 && pct exec 101 -- stat -c %a "+
			"/root/a", ""); code != 0 || out != "600\n755\n" {
		t.Errorf("pushing over an existing file: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct pull 101 /nonexistent /root/c", ""); code != 0 ||
		stderr != "failed to open /nonexistent: No such file or directory\n" {
		t.Errorf("pull of a missing file: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct exec 101 -- cat /root/a", ""); code != 0 || out != "hi\n" {
		t.Errorf("exec: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct stop 101", ""); code != 0 {
		t.Fatalf("pct stop: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct push 101 /root/a /root/a", ""); code != 255 || stderr != "can only push files to a running CT\n" {
		t.Errorf("push to a stopped CT: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- true", ""); code != 255 || stderr != "container '101' not running!\n" {
		t.Errorf("exec on a stopped CT: %d %q", code, stderr)
	}
	// pct.pm pull dies without a newline: Perl adds the file and line (8.x: 657).
	if code, _, stderr := sshRun(t, sim, "pve1", "pct pull 101 /root/a /root/b", ""); code != 255 ||
		stderr != "can only pull files from a running VM at /usr/share/perl5/PVE/CLI/pct.pm line 657.\n" {
		t.Errorf("pull from a stopped CT: %d %q", code, stderr)
	}
}

// TestPctStartStop: pct start/stop are the API's vm_start/vm_stop with the
// worker in the foreground and $upid_exit: a failed start exits 255 with the
// task's error on stderr; starting a running CT dies before the worker.
func TestPctStartStop(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	createCT(t, sim, "pve1", 102, url.Values{"net0": {"name=eth0,bridge=vmbr5,ip=dhcp"}})
	if code, _, stderr := sshRun(t, sim, "pve1", "pct start 101 && pct status 101", ""); code != 0 {
		t.Fatalf("pct start: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct start 101", ""); code != 255 || !strings.Contains(stderr, "CT 101 already running") {
		t.Errorf("start of a running CT: %d %q", code, stderr)
	}
	code, out, stderr := sshRun(t, sim, "pve1", "pct start 102", "")
	if code != 255 || stderr != "startup for container '102' failed\n" || !strings.Contains(out, "bridge 'vmbr5' does not exist") {
		t.Errorf("start on a missing bridge: %d %q %q", code, out, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct shutdown 101 && pct status 101", ""); code != 0 || out != "status: stopped\n" {
		t.Errorf("shutdown: %d %q", code, out)
	}
}

// TestPctLifecycleCommands: pct create/clone/destroy are create_vm,
// clone_vm and destroy_vm with $upid_exit (pct.pm $cmddef); unlock is
// AbstractConfig remove_lock ("no lock found trying to remove any lock");
// pending prints GuestHelpers format_pending.
func TestPctLifecycleCommands(t *testing.T) {
	sim := startSim(t, Options{})
	code, _, stderr := sshRun(t, sim, "pve1",
		"pct create 130 local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz --rootfs local-lvm:2 --hostname made-by-pct --unprivileged 1", "")
	if code != 0 {
		t.Fatalf("pct create: %d %q", code, stderr)
	}
	if _, out, _ := sshRun(t, sim, "pve1", "pct config 130", ""); !strings.Contains(out, "hostname: made-by-pct\n") {
		t.Errorf("created config: %q", out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct create 130 local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz --rootfs local-lvm:2",
		""); code != 255 || !strings.Contains(stderr, "already exists") {
		t.Errorf("create of an existing CT: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct unlock 130", ""); code != 255 || stderr != "no lock found trying to remove any lock\n" {
		t.Errorf("unlock without a lock: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct pending 130 | grep hostname", ""); code != 0 || out != "cur hostname: made-by-pct\n" {
		t.Errorf("pending: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct clone 130 131 --hostname copy", ""); code != 0 {
		t.Errorf("pct clone: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct destroy 131 && pct destroy 130", ""); code != 0 {
		t.Errorf("pct destroy: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct list", ""); code != 0 || out != "" {
		t.Errorf("list after destroy: %d %q", code, out)
	}
}

// TestPctPushOnAFullDiskExitsZero follows pct.pm push: create_file opens the
// destination, then File::Copy's copy($srcfd, $destfd) writes what fits and
// its false result is not checked, so a container whose disk fills during
// the copy keeps a truncated file while pct prints nothing and exits 0.
func TestPctPushOnAFullDiskExitsZero(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})
	sim.mu.Lock()
	tree := sim.guests[101].RootFS
	sim.mu.Unlock()
	tree.SetCapacity(tree.Size() + 1000)
	code, _, stderr := sshRun(t, sim, "pve1", "head -c 5000 /dev/zero > /root/big && pct push 101 /root/big /root/big", "")
	if code != 0 || stderr != "" {
		t.Errorf("push onto a full disk: %d %q, want exit 0 and no message", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct exec 101 -- sh -c 'wc -c < /root/big'", ""); code != 0 || out != "1000\n" {
		t.Errorf("the pushed file: %d %q, want the 1000 bytes that fit", code, out)
	}
}
