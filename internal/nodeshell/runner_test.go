package nodeshell

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func startSim(t *testing.T) *pvesim.Simulator {
	t.Helper()
	return pvesimtest.Start(t, pvesim.Options{Password: "node-pass"})
}

func TestRunWithKeyAndPinnedHostKey(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	r, err := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Run(context.Background(), "pve2", "hostname; cat; exit 3", strings.NewReader("from stdin\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "pve2\nfrom stdin\n" || res.ExitCode != 3 {
		t.Errorf("result %+v", res)
	}
	// The connection is reused across commands.
	for i := 0; i < 3; i++ {
		if res, err := r.Run(context.Background(), "pve2", "true", nil); err != nil || res.ExitCode != 0 {
			t.Fatalf("run %d: %+v %v", i, res, err)
		}
	}
	if res, _ := r.Run(context.Background(), "pve1", "nosuchprogram", nil); res.ExitCode != 127 || !strings.Contains(res.Stderr, "command not found") {
		t.Errorf("unknown program: %+v", res)
	}
}

func TestHostKeyIsVerified(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	other, _ := ssh.NewSignerFromKey(mustKey(t))
	wrong := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other.PublicKey())))
	r, _ := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: wrong, Nodes: info.SSHNodes})
	// Naming ssh.host_key is the provider's (TestLowerLayerErrorDiagnostics).
	_, err := r.Run(context.Background(), "pve1", "true", nil)
	var hostKeyErr *HostKeyError
	if !errors.As(err, &hostKeyErr) || hostKeyErr.Problem != HostKeyMismatch || hostKeyErr.Node != "pve1" ||
		!strings.Contains(err.Error(), "does not match the pinned host key") {
		t.Errorf("wrong pinned key: %v", err)
	}

	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = New(Config{PrivateKey: info.SSHPrivateKey, KnownHostsFile: known, Nodes: info.SSHNodes})
	_, err = r.Run(context.Background(), "pve1", "true", nil)
	if !errors.As(err, &hostKeyErr) || hostKeyErr.Problem != HostKeyUnknown || !strings.Contains(err.Error(), "not in the known hosts file") {
		t.Errorf("unknown host: %v", err)
	}
	host, port, _ := strings.Cut(info.SSHNodes["pve1"], ":")
	line := "[" + host + "]:" + port + " " + info.SSHHostKey + "\n"
	if err := os.WriteFile(known, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = New(Config{PrivateKey: info.SSHPrivateKey, KnownHostsFile: known, Nodes: info.SSHNodes})
	if res, err := r.Run(context.Background(), "pve1", "hostname", nil); err != nil || res.Stdout != "pve1\n" {
		t.Errorf("known host: %+v %v", res, err)
	}
}

func TestPasswordAndResolve(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(info.SSHNodes["pve1"], ":")
	portNum, _ := strconv.Atoi(port)
	// The simulator's nodes all report 127.0.0.1 in /cluster/status; pve1 listens on the base port.
	r, _ := New(Config{Password: "node-pass", HostKey: info.SSHHostKey, Port: portNum, Resolve: client.NodeAddress})
	if res, err := r.Run(context.Background(), "pve1", "hostname", nil); err != nil || res.Stdout != "pve1\n" {
		t.Errorf("resolved address: %+v %v", res, err)
	}
	bad, _ := New(Config{Password: "wrong", HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	_, err = bad.Run(context.Background(), "pve1", "true", nil)
	var authErr *AuthError
	if !errors.As(err, &authErr) || authErr.User != "root" || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("wrong password: %v", err)
	}
	_, err = r.Run(context.Background(), "pve9", "true", nil)
	var addrErr *AddressError
	if !errors.As(err, &addrErr) || addrErr.Node != "pve9" || !strings.Contains(err.Error(), "node pve9 is not in the cluster") {
		t.Errorf("unknown node: %v", err)
	}
}

func TestContextEndsCommand(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	r, _ := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	// sleep is simulated time: 100000 s at scale 0.001 is 100 s of wall time.
	if _, err := r.Run(ctx, "pve1", "sleep 100000", nil); err == nil {
		t.Error("no error after the context ended")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v to give up", time.Since(start))
	}
}

func TestConfigErrors(t *testing.T) {
	// Each names the Config field at fault; the provider turns the field
	// into its attribute (TestLowerLayerErrorDiagnostics).
	for _, c := range []struct {
		name    string
		cfg     Config
		field   string
		message string
	}{
		{"no credentials", Config{}, "", "no SSH credentials"},
		{"bad key", Config{PrivateKey: "junk", InsecureIgnoreHostKey: true}, "PrivateKey", "the private key does not parse"},
		{"bad host key", Config{Password: "x", HostKey: "nope"}, "HostKey", "the host key does not parse"},
		{"missing known_hosts", Config{Password: "x", KnownHostsFile: "/nonexistent/known_hosts"}, "KnownHostsFile",
			"reading known hosts /nonexistent/known_hosts"},
	} {
		_, err := New(c.cfg)
		var cfgErr *ConfigError
		if !errors.As(err, &cfgErr) || cfgErr.Field != c.field || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	_, err := New(Config{Agent: true})
	var cfgErr *ConfigError
	if !errors.As(err, &cfgErr) || cfgErr.Field != "Agent" || !strings.Contains(err.Error(), "SSH_AUTH_SOCK is not set") {
		t.Errorf("agent without SSH_AUTH_SOCK: %v", err)
	}
}
