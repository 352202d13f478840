package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// PVE refused templates on directory storages with "Directory storage
// '<sid>' does not support container templates!" until pve-container commit
// 4c64d0d (2020, "Rely on template_create to check whether creating a
// template is possible"), which removed check_storage_supports_templates; it
// is in stable-6 and later, so neither 8.4 (stable-bookworm) nor 9.1 (master)
// has it. template_create (src/PVE/LXC.pm) only asks volume_has_feature
// 'template', which a dir storage's raw and subvol volumes have (pve-storage
// src/PVE/Storage/Plugin.pm volume_has_feature), and Plugin.pm create_base
// renames vm-N-disk-M.raw to base-N-disk-M.raw. A linked clone of it is still
// refused: clone_vm asks for the 'clone' feature with valid_target_formats
// raw and subvol, and Plugin.pm answers no unless qcow2 is among them.
func TestTemplateOnDirectoryStorage(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: release})
			if r := call(t, sim, http.MethodPost, "/storage",
				url.Values{"storage": {"ctdir"}, "type": {"dir"}, "path": {"/mnt/ct"}, "content": {"rootdir,images"}}); r.Status != 200 {
				t.Fatalf("add dir storage: %d %s", r.Status, r.Raw)
			}
			createCT(t, sim, "pve1", 101, url.Values{"rootfs": {"ctdir:4"}})
			if r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/template", nil); r.Status != 200 {
				t.Fatalf("template on a dir storage: %d %s", r.Status, r.Raw)
			}
			waitIdle(t, sim, "pve1", 101)
			cfg := ctConfig(t, sim, "pve1", 101)
			if cfg["template"] != float64(1) || cfg["rootfs"] != "ctdir:101/base-101-disk-0.raw,size=4G" {
				t.Errorf("template config: template=%v rootfs=%v", cfg["template"], cfg["rootfs"])
			}
			r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/clone", url.Values{"newid": {"102"}})
			if want := "Linked clone feature for 'ctdir:101/base-101-disk-0.raw' is not available"; r.Status != 500 || r.Reason != want {
				t.Errorf("linked clone of a dir template: %d %q, want 500 %q", r.Status, r.Reason, want)
			}
			if st := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/101/clone", url.Values{"newid": {"103"}, "full": {"1"}}); st != "OK" {
				t.Errorf("full clone of a dir template: %s", st)
			}
		})
	}
}
