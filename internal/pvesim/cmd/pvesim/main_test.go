package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
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
		"guest network": {[]string{"-guest-network", "127.10.0.0"}, `-guest-network: guest network "127.10.0.0" is not an IPv4 prefix`},
		"ipv6 network":  {[]string{"-guest-network", "fd00::/64"}, `guest network "fd00::/64" is not an IPv4 prefix such as 127.10.0.0/16`},
		"tiny network":  {[]string{"-guest-network", "127.10.0.0/31"}, "needs a /30 or wider prefix"},
		"corrupt state": {[]string{"-state", corrupt, "-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0"}, "is corrupt"},
		"extra arg":     {[]string{"now"}, "unexpected argument"},
		"bad release":   {[]string{"-pve-version", "9.0"}, `-pve-version must be 8.4 or 9.1, got "9.0"`},
		"bad node name": {[]string{"-nodes", "pve,pve_2", "-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0"},
			`node name "pve_2": value does not look like a valid node name`},
		"empty name": {[]string{"-nodes", "pve,,pve3"}, "an empty node name"},
		"zero nodes": {[]string{"-nodes", "0"}, "-nodes must be at least 1"},
		"addresses": {[]string{"-nodes", "2", "-node-addresses", "127.0.0.2", "-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0"},
			"node addresses: 1 given for 2 nodes"},
		"bad address": {[]string{"-nodes", "1", "-node-addresses", "127.0.0.300", "-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0"},
			`node address "127.0.0.300" is not an IP address`},
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
		done <- run([]string{"-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0", "-nodes", "2", "-info", infoPath, "-state", statePath, "-token",
			"ci@pve!tk=abc", "-time-scale", "0.01"}, &out, &errOut)
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
	if info.APIToken != "ci@pve!tk=abc" || len(info.Nodes) != 2 || len(info.SSHNodes) != 2 || !strings.HasPrefix(info.Endpoint, "https://127.0.0.1:") ||
		info.SSHUser != "root" {
		t.Errorf("info %+v", info)
	}
	if !strings.HasPrefix(info.PVEAdminAPIToken, "terraform@pve!proximity=") ||
		strings.Contains(string(mustRead(t, infoPath)), `"pveadmin_api_token": ""`) {
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
	if !strings.Contains(out.String(), "pve1 (127.0.0.1) -> 127.0.0.1:") ||
		!strings.Contains(out.String(), "Proxmox VE 8.4 simulator (pve-manager/8.4.1/") {
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

// TestRunAsPVE91WithNamedNodes starts the command as PVE 9.1 with named nodes
// on their own loopback addresses: -info names the release and each node's
// address, each node's SSH answers there, and the state file then refuses to
// be reopened as another release.
func TestRunAsPVE91WithNamedNodes(t *testing.T) {
	dir := t.TempDir()
	infoPath, statePath := filepath.Join(dir, "info.json"), filepath.Join(dir, "state.json")
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0", "-pve-version", "9.1",
			"-nodes", "pve,pve2", "-node-addresses", "127.0.0.2,127.0.0.3", "-info", infoPath, "-state", statePath, "-time-scale", "0.01",
			"-guest-network", "127.77.3.9/24"}, &out, &errOut)
	}()
	info := waitInfo(t, infoPath, &errOut)
	// The flag's host bits are dropped; -info (and the summary, below) name the range.
	if info.GuestNetwork != "127.77.3.0/24" {
		t.Errorf("guest network %q", info.GuestNetwork)
	}
	if info.PVEVersion != "9.1" || !strings.HasPrefix(info.PVEManager, "pve-manager/9.1.") || strings.Join(info.Nodes, ",") != "pve,pve2" ||
		info.NodeAddresses["pve2"] != "127.0.0.3" || !strings.HasPrefix(info.SSHNodes["pve2"], "127.0.0.3:") ||
		!strings.HasPrefix(info.SSHNodes["pve"], "127.0.0.2:") {
		t.Errorf("info %+v", info)
	}
	conn, err := net.DialTimeout("tcp", info.SSHNodes["pve2"], 5*time.Second)
	if err != nil {
		t.Fatalf("SSH of pve2: %v", err)
	}
	banner := make([]byte, 8)
	_, _ = io.ReadFull(conn, banner)
	conn.Close()
	if string(banner) != "SSH-2.0-" {
		t.Errorf("pve2 at %s answers %q", info.SSHNodes["pve2"], banner)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "guests    127.77.3.0/24") {
		t.Errorf("summary %s", out.String())
	}
	errOut.Reset()
	if code := run([]string{"-listen", "127.0.0.1:0", "-ssh-listen", "127.0.0.1:0", "-pve-version", "8.4", "-state", statePath}, &out,
		&errOut); code != 2 ||
		!strings.Contains(errOut.String(), "holds a PVE 9.1 cluster, not 8.4") {
		t.Errorf("reopening as 8.4: exit %d, %s", code, errOut.String())
	}
}

// waitInfo reads the -info file once the command has written it.
func waitInfo(t *testing.T, path string, errOut *bytes.Buffer) pvesim.Info {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var info pvesim.Info
		raw, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(raw, &info) == nil {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("no info file; stderr %s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
