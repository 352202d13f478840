package pveclient

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func TestParseConfigText(t *testing.T) {
	cfg, err := parseConfigText("#two\n#lines\narch: amd64\nhostname: blog\ntags: proximity;px-pub-8100\n\n[vzdump]\nhostname: old\n")
	if err != nil || cfg.Hostname != "blog" || cfg.Tags.String() != "proximity;px-pub-8100" || cfg.Description != "two\nlines\n" || cfg.Arch != "amd64" {
		t.Errorf("parsed %+v %v", cfg, err)
	}
}

// A vzdump whose answer is lost after PVE started it is not started again:
// one archive, not two.
func TestBackupWhoseAnswerWasLost(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	if err := c.CreateContainer(ctx, "pve1", 150, smallAlpine, nil); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults("lost:POST /nodes/*/vzdump=1x1"); err != nil {
		t.Fatal(err)
	}
	vol, err := c.Backup(ctx, "pve1", 150, BackupOptions{Storage: "local", Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Stats().Faults != 1 {
		t.Fatal("the answer was not lost; the test proves nothing")
	}
	if n := sim.Stats().Tasks["vzdump"]; n != 1 {
		t.Errorf("%d vzdump tasks, want 1", n)
	}
	vols, err := c.Content(ctx, "pve1", "local", "backup", 150)
	if err != nil || len(vols) != 1 || vols[0].VolID != vol.VolID {
		t.Errorf("archives %+v (%v), want only %s", vols, err, vol.VolID)
	}
}

// runOnNode runs a root shell command on a simulated node.
func runOnNode(t *testing.T, sim *pvesim.Simulator, node, script string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code, err := sim.RunOnNode(context.Background(), node, script, nil, &out, &errb); err != nil || code != 0 {
		t.Fatalf("%s: exit %d %v %s", script, code, err, errb.String())
	}
}

// A backup to a Proxmox Backup Server storage is found from the line vzdump
// logs for it ("creating Proxmox Backup Server archive 'ct/150/<time>'",
// pve-manager PVE/VZDump.pm exec_backup_task), whose volid is
// "<storage>:backup/ct/150/<time>" (PBSPlugin.pm parse_volname); the file
// storages' line ("creating vzdump archive '<path>'") never names it.
func TestBackupToProxmoxBackupServer(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	runOnNode(t, sim, "pve1", "pvesm add pbs pbs --server 10.0.0.9 --datastore store1 --password x --content backup")
	if err := c.CreateContainer(ctx, "pve1", 150, smallAlpine, nil); err != nil {
		t.Fatal(err)
	}
	vol, err := c.Backup(ctx, "pve1", 150, BackupOptions{Storage: "pbs", Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^pbs:backup/ct/150/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(vol.VolID) || vol.Format != "pbs-ct" {
		t.Errorf("archive %+v, want a pbs-ct snapshot pbs:backup/ct/150/<UTC time>", vol)
	}
}

// vzdump accepts any storage name and checks it in its worker (VZDump->new):
// the call returns a task id, the task fails. The error names the storage
// and carries the task's reason, not only "job errors".
func TestBackupToABadStorageSaysWhy(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	if err := c.CreateContainer(ctx, "pve1", 150, smallAlpine, nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.Backup(ctx, "pve1", 150, BackupOptions{Storage: "local-lvm", Mode: "snapshot", Compress: "zstd"})
	var task *TaskError
	if !errors.As(err, &task) {
		t.Fatalf("error %v, want a task error", err)
	}
	for _, want := range []string{"to storage local-lvm", "can't use storage 'local-lvm' for backups - wrong content type"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
