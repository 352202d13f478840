package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func TestBadInputExitsTwo(t *testing.T) {
	corrupt := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(corrupt, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown flag":  {[]string{"-bogus"}, "flag provided but not defined"},
		"bad faults":    {[]string{"-faults", "500:GET /x=7"}, "invalid -faults"},
		"bad token":     {[]string{"-token", "nope"}, "USER@REALM!TOKENID=SECRET"},
		"bad scale":     {[]string{"-time-scale", "0"}, "-time-scale must be greater than 0"},
		"corrupt state": {[]string{"-state", corrupt, "-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0"}, "is corrupt"},
		"extra arg":     {[]string{"now"}, "unexpected argument"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("stderr %q does not mention %q", errOut.String(), tc.want)
			}
		})
	}
	if got, _ := os.ReadFile(corrupt); string(got) != "{not json" {
		t.Error("corrupt state file was touched")
	}
}

// TestRunWritesInfoAndStopsOnSignal starts the command, reads -info, and
// stops it with SIGTERM, which must save the state file.
func TestRunWritesInfoAndStopsOnSignal(t *testing.T) {
	dir := t.TempDir()
	infoPath, statePath := filepath.Join(dir, "info.json"), filepath.Join(dir, "state.json")
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0", "-nodes", "2", "-info", infoPath, "-state", statePath, "-token", "ci@pve!tk=abc", "-time-scale", "0.01"}, &out, &errOut)
	}()
	var info pvesim.Info
	deadline := time.Now().Add(20 * time.Second)
	for {
		raw, err := os.ReadFile(infoPath)
		if err == nil && json.Unmarshal(raw, &info) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no info file; stderr %s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if info.APIToken != "ci@pve!tk=abc" || len(info.Nodes) != 2 || len(info.SSHNodes) != 2 || !strings.HasPrefix(info.Endpoint, "https://127.0.0.1:") || info.SSHUser != "root" {
		t.Errorf("info %+v", info)
	}
	if !strings.HasPrefix(info.PVEAdminAPIToken, "terraform@pve!proximity=") || strings.Contains(string(mustRead(t, infoPath)), `"pveadmin_api_token": ""`) {
		t.Errorf("pveadmin_api_token %q", info.PVEAdminAPIToken)
	}
	if st, _ := os.Stat(infoPath); st.Mode().Perm() != 0o600 {
		t.Errorf("info file mode %v: it holds secrets", st.Mode().Perm())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
	if _, err := os.Stat(statePath); err != nil {
		t.Errorf("state not saved on stop: %v", err)
	}
	if !strings.Contains(out.String(), "pve1 -> 127.0.0.1:") {
		t.Errorf("summary: %s", out.String())
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
