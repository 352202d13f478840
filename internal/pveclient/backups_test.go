package pveclient

import (
	"context"
	"testing"
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
