package pvesim

import (
	"fmt"
	"strings"
	"testing"
)

// TestPvesmStatusListPath follows pve-storage src/PVE/CLI/pvesm.pm:
// status ($print_status, sizes in KiB), list ($print_content, guest volumes
// with their VMID first) and path (PVE::Storage::path by plugin).
func TestPvesmStatusListPath(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, nil)
	code, out, stderr := sshRun(t, sim, "pve1", "pvesm status", "")
	if code != 0 {
		t.Fatalf("pvesm status: %d %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	header := fmt.Sprintf("%-10s %10s %10s %15s %15s %15s %8s", "Name", "Type", "Status", "Total", "Used", "Available", "%")
	if lines[0] != header || len(lines) != 3 || !strings.HasPrefix(lines[1], "local      ") || !strings.Contains(lines[2], "lvmthin     active") {
		t.Errorf("pvesm status:\n%s", out)
	}
	code, out, _ = sshRun(t, sim, "pve1", "pvesm list local-lvm", "")
	if code != 0 || !strings.HasPrefix(out, "Volid ") || !strings.Contains(out, "local-lvm:vm-101-disk-0 raw") || !strings.HasSuffix(out, " 101\n") {
		t.Errorf("pvesm list local-lvm: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesm list local --content vztmpl", ""); code != 0 ||
		!strings.Contains(out, "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst   tzst    vztmpl") {
		t.Errorf("pvesm list local: %d %q", code, out)
	}
	paths := map[string]string{
		"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst":    "/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.zst",
		"local:backup/vzdump-lxc-101-2026_01_01-00_00_00.tar.zst": "/var/lib/vz/dump/vzdump-lxc-101-2026_01_01-00_00_00.tar.zst",
		"local-lvm:vm-101-disk-0":                                 "/dev/pve/vm-101-disk-0",
	}
	for volid, want := range paths {
		if code, out, _ := sshRun(t, sim, "pve1", "pvesm path "+volid, ""); code != 0 || out != want+"\n" {
			t.Errorf("pvesm path %s: %d %q, want %q", volid, code, out, want)
		}
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm path nosuch:vm-1-disk-0", ""); code != 255 || stderr != "storage 'nosuch' does not exist\n" {
		t.Errorf("unknown storage: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm path novolid", ""); code != 255 || stderr != "unable to parse volume ID 'novolid'\n" {
		t.Errorf("bad volid: %d %q", code, stderr)
	}
}

// TestPveamAvailableListDownload follows pve-manager PVE/CLI/pveam.pm:
// available ("%-15s %s\n", sorted), list ($print_list), download (apl_download
// with its worker in the foreground), update ("update successful").
func TestPveamAvailableListDownload(t *testing.T) {
	sim := startSim(t, Options{})
	if code, out, _ := sshRun(t, sim, "pve1", "pveam update", ""); code != 0 || out != "update successful\n" {
		t.Errorf("pveam update: %d %q", code, out)
	}
	code, out, _ := sshRun(t, sim, "pve1", "pveam available --section system", "")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%-15s %s\n", "system", "debian-12-standard_12.7-1_amd64.tar.zst")) {
		t.Fatalf("pveam available: %d %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i-1] > lines[i] {
			t.Errorf("not sorted: %q before %q", lines[i-1], lines[i])
		}
	}
	code, out, _ = sshRun(t, sim, "pve1", "pveam list local", "")
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("%-60s %-6s\n", "NAME", "SIZE")) ||
		!strings.Contains(out, "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz") || !strings.Contains(out, "MB\n") {
		t.Errorf("pveam list: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pveam list local-lvm", ""); code != 255 || stderr != "Storage does not support templates!\n" {
		t.Errorf("list on local-lvm: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pveam download local no-such-template.tar.zst", ""); code != 255 ||
		!strings.Contains(stderr, "no such template") {
		t.Errorf("download of an unknown template: %d %q", code, stderr)
	}
	var ubuntu string
	_, avail, _ := sshRun(t, sim, "pve1", "pveam available --section system", "")
	for _, l := range strings.Split(avail, "\n") {
		if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[1], "ubuntu-24.04") {
			ubuntu = f[1]
		}
	}
	if ubuntu == "" {
		t.Fatalf("no ubuntu 24.04 in %q", avail)
	}
	if code, out, stderr := sshRun(t, sim, "pve1", "pveam download local "+ubuntu, ""); code != 0 || stderr != "" || !strings.Contains(out, ubuntu) {
		t.Errorf("download: %d %q %q", code, out, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pveam list local", ""); code != 0 || !strings.Contains(out, "local:vztmpl/"+ubuntu) {
		t.Errorf("after download: %q", out)
	}
}

// TestPvesmAddSetRemove: pvesm add/set/remove are Storage/Config.pm
// create/update/delete (pvesm.pm $cmddef), editing /etc/pve/storage.cfg.
func TestPvesmAddSetRemove(t *testing.T) {
	sim := startSim(t, Options{})
	if code, _, stderr := sshRun(t, sim, "pve1", "mkdir -p /srv/extra && pvesm add dir extra --path /srv/extra --content vztmpl,backup", ""); code != 0 {
		t.Fatalf("pvesm add: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve2", "grep -A3 '^dir: extra' /etc/pve/storage.cfg", ""); code != 0 ||
		!strings.Contains(out, "\tpath /srv/extra\n") {
		t.Errorf("storage.cfg after add: %d %q", code, out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesm path extra:vztmpl/x.tar.zst", ""); code != 0 || out != "/srv/extra/template/cache/x.tar.zst\n" {
		t.Errorf("path on the new storage: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm set extra --disable 1", ""); code != 0 {
		t.Errorf("pvesm set: %d %q", code, stderr)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pvesm status | grep extra", ""); code != 0 || !strings.Contains(out, "disabled") ||
		!strings.Contains(out, "N/A") {
		t.Errorf("status of a disabled storage: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm add dir extra --path /srv/x", ""); code != 255 || !strings.Contains(stderr, "already defined") {
		t.Errorf("add of an existing storage: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm remove extra && pvesm path extra:vztmpl/x", ""); code != 255 ||
		stderr != "storage 'extra' does not exist\n" {
		t.Errorf("after remove: %d %q", code, stderr)
	}
}
