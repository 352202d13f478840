package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPvesmAndPveamFollowStorageRules: pvesm path is PVE::Storage::path
// (pve-storage src/PVE/Storage.pm: storage_config only, so a storage this
// node may not use still has paths; the plugin's path: ZFSPoolPlugin.pm
// path for basevol-, Plugin.pm parse_volname refusing an image name without
// its VMID directory), and pveam list is pve-manager PVE/CLI/pveam.pm
// index, which calls storage_check_enabled before anything else.
func TestPvesmAndPveamFollowStorageRules(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	onNode(t, sim, "pve1", "pvesm add dir other --path /srv/other --content vztmpl --nodes pve2 && "+
		"pvesm add dir off --path /srv/off --content vztmpl --disable 1 && "+
		"pvesm add zfspool tank --pool tank/ct --content rootdir")
	paths := map[string]string{
		"other:vztmpl/x.tar.zst":      "/srv/other/template/cache/x.tar.zst",
		"other:100/vm-100-disk-0.raw": "/srv/other/images/100/vm-100-disk-0.raw",
		"tank:basevol-100-disk-0":     "/tank/ct/basevol-100-disk-0",
		"tank:vm-100-disk-1":          "/dev/zvol/tank/ct/vm-100-disk-1",
	}
	for volid, want := range paths {
		if code, out, stderr := sshRun(t, sim, "pve1", "pvesm path "+volid, ""); code != 0 || out != want+"\n" {
			t.Errorf("pvesm path %s: %d %q %q, want %q", volid, code, out, stderr, want)
		}
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pvesm path other:vm-100-disk-0.raw", ""); code != 255 ||
		stderr != "unable to parse directory volume name 'vm-100-disk-0.raw'\n" {
		t.Errorf("image name without its VMID directory: %d %q", code, stderr)
	}

	cases := map[string]string{
		"other": "storage 'other' is not available on node 'pve1'\n",
		"off":   "storage 'off' is disabled\n",
		"nope":  "storage 'nope' does not exist\n",
	}
	for id, want := range cases {
		if code, _, stderr := sshRun(t, sim, "pve1", "pveam list "+id, ""); code != 255 || stderr != want {
			t.Errorf("pveam list %s: %d %q, want %q", id, code, stderr, want)
		}
	}
	if code, out, _ := sshRun(t, sim, "pve2", "pveam list other", ""); code != 0 ||
		out != "NAME                                                         SIZE  \n" {
		t.Errorf("pveam list other on pve2: %d %q", code, out)
	}
}

// TestCreateNamesTheTemplateByItsStoragePath: create_vm extracts the
// template through restore_archive, which prints the archive's
// abs_filesystem_path (pve-container src/PVE/LXC/Create.pm
// restore_tar_archive), so a template on another dir storage is named
// under that storage's path.
func TestCreateNamesTheTemplateByItsStoragePath(t *testing.T) {
	sim := startSim(t, Options{})
	const tmpl = "alpine-3.22-default_20250617_amd64.tar.xz"
	onNode(t, sim, "pve1", "pvesm add dir tpl --path /srv/tpl --content vztmpl && pveam download tpl "+tmpl)
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{"vmid": {"100"}, "ostemplate": {"tpl:vztmpl/" + tmpl}, "rootfs": {"local-lvm:4"}})
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	upid := mustString(t, data(r))
	waitTask(t, sim, upid)
	if log := taskLog(t, sim, "pve1", upid); !strings.Contains(log, "extracting archive '/srv/tpl/template/cache/"+tmpl+"'\n") {
		t.Errorf("create log:\n%s", log)
	}
}
