package pvesim

import (
	"net/http"
	"net/url"
	"testing"
)

// TestRestoreOverWithVMBackupOnly follows create_vm (pve-container
// src/PVE/API2/LXC.pm): someone with only VM.Backup may restore over an
// existing container, but an explicit change from unprivileged to privileged
// is refused on PVE 8 ("without VM.Allocate") and asks for Sys.Modify on /
// on PVE 9 (master), so it passes there once that privilege is granted.
func TestRestoreOverWithVMBackupOnly(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: release})
			createCT(t, sim, "pve1", 100, nil)
			volid := backupOf(t, sim, "pve1", 100)
			pveum(t, sim, "user add bk@pve")
			pveum(t, sim, "aclmod /vms/100 -user bk@pve -role PVEVMUser")
			pveum(t, sim, "aclmod /storage -user bk@pve -role PVEDatastoreUser")
			token := newToken(t, sim, "bk@pve", "tk", "--privsep 0")
			privileged := url.Values{"vmid": {"100"}, "ostemplate": {volid}, "restore": {"1"}, "force": {"1"}, "unprivileged": {"0"}, "storage": {"local-lvm"}}

			r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/lxc", privileged)
			want := "Permission check failed (cannot change from unprivileged to privileged without VM.Allocate)"
			if release == "9.1" {
				want = "Permission check failed (/, Sys.Modify)"
			}
			if r.Status != http.StatusForbidden || r.Reason != want {
				t.Fatalf("explicit change by a VM.Backup user: %d %s, want 403 %s", r.Status, r.Reason, want)
			}
			if release == "8.4" {
				return
			}
			pveum(t, sim, "role add SysModify -privs Sys.Modify")
			pveum(t, sim, "aclmod / -user bk@pve -role SysModify")
			r = callAs(t, sim, token, http.MethodPost, "/nodes/pve1/lxc", privileged)
			if r.Status != http.StatusOK {
				t.Fatalf("with Sys.Modify on /: %d %s", r.Status, r.Raw)
			}
			waitTask(t, sim, mustString(t, data(r)))
		})
	}
}
