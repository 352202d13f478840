package pvesim

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.json")
	first, err := New(Options{StatePath: path, TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	createCT(t, first, "pve2", 100, url.Values{"start": {"1"}, "hostname": {"kept"}})
	runInCT(t, first, "pve2",
		"pct exec 100 -- sh -c 'echo state > /root/marker' && mkdir -p /etc/pve/proximity && echo '{}' > /etc/pve/proximity/allocations.json")
	waitTask(t, first, mustString(t, data(call(t, first, http.MethodPost, "/nodes/pve2/vzdump", url.Values{"vmid": {"100"}}))))
	info := first.Info()
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v", st, err)
	}

	second := startSim(t, Options{StatePath: path})
	again := second.Info()
	if again.APIToken != info.APIToken || again.CACertPEM != info.CACertPEM || again.SSHHostKey != info.SSHHostKey {
		t.Error("credentials, CA or host key changed across a restart")
	}
	cfg := mustMap(t, data(call(t, second, http.MethodGet, "/nodes/pve2/lxc/100/config", nil)))
	if cfg["hostname"] != "kept" {
		t.Fatalf("config after restart: %v", cfg)
	}
	if code, out := runInCT(t, second, "pve2", "pct exec 100 -- cat /root/marker && cat /etc/pve/proximity/allocations.json"); code != 0 ||
		out != "state\n{}\n" {
		t.Errorf("files after restart: %d %q", code, out)
	}
	if n := len(backups(t, second, "pve2", 100)); n != 1 {
		t.Errorf("%d backups after restart", n)
	}
	tasks := mustSlice(t, data(call(t, second, http.MethodGet, "/nodes/pve2/tasks", nil)))
	if len(tasks) != 2 {
		t.Errorf("%d finished tasks after restart, want 2", len(tasks))
	}
}

func TestCorruptStateIsRefusedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.json")
	garbage := []byte(`{"version": 1, "nodes": [`)
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{StatePath: path})
	if err == nil || !strings.Contains(err.Error(), "is corrupt") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(garbage) {
		t.Error("corrupt state file was modified")
	}
	if err := os.WriteFile(path, []byte(`{"version": 99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("wrong version: %v", err)
	}
}
