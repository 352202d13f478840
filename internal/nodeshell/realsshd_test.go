package nodeshell

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// realSSHD starts Debian's OpenSSH server on a loopback port with host keys
// of all three types a PVE node has, and a client key for root. .ci/run
// installs openssh-server; elsewhere a missing sshd skips, saying so.
func realSSHD(t *testing.T) (addr, dir string, clientKey []byte) {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/sshd"); e == nil {
			sshd = "/usr/sbin/sshd"
		} else if os.Getenv("PROXIMITY_REQUIRE_SSHD") != "" {
			t.Fatal("sshd is required (PROXIMITY_REQUIRE_SSHD) but not installed: apt-get install -y openssh-server")
		} else {
			t.Skip("needs OpenSSH's sshd: apt-get install -y openssh-server (.ci/run installs it)")
		}
	}
	if os.Geteuid() != 0 {
		if os.Getenv("PROXIMITY_REQUIRE_SSHD") != "" {
			t.Fatal("sshd is required (PROXIMITY_REQUIRE_SSHD) but its privilege separation needs root: run the tests as root")
		}
		t.Skip("sshd's privilege separation needs root; CI runs as root")
	}
	dir = t.TempDir()
	for _, typ := range []string{"ecdsa", "ed25519", "rsa"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", typ, "-N", "", "-f", filepath.Join(dir, "ssh_host_"+typ+"_key")).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen %s: %v %s", typ, err, out)
		}
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	block, _ := ssh.MarshalPrivateKey(priv, "")
	clientKey = pem.EncodeToMemory(block)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v is not TCP", ln.Addr())
	}
	port := tcpAddr.Port
	ln.Close()
	config := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\n"+
		"HostKey %[2]s/ssh_host_ecdsa_key\nHostKey %[2]s/ssh_host_ed25519_key\nHostKey %[2]s/ssh_host_rsa_key\n"+
		"PidFile %[2]s/sshd.pid\nAuthorizedKeysFile %[2]s/authorized_keys\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"+
		"PasswordAuthentication no\nKbdInteractiveAuthentication no\n", port, dir)
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755)
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr = "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr, dir, clientKey
}

// TestRealOpenSSHWithEd25519PinAndKnownHosts: against a stock OpenSSH
// server with ECDSA, Ed25519 and RSA host keys, pinning the Ed25519 key (as
// our docs suggest) and a known_hosts file that OpenSSH itself wrote (hashed,
// Ed25519 only, as its client records a new host) both verify.
func TestRealOpenSSHWithEd25519PinAndKnownHosts(t *testing.T) {
	addr, dir, key := realSSHD(t)
	pub, err := os.ReadFile(filepath.Join(dir, "ssh_host_ed25519_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	scan, err := exec.Command("ssh-keyscan", "-H", "-t", "ed25519", "-p", port, host).Output()
	if err != nil || len(scan) == 0 {
		t.Fatalf("ssh-keyscan: %v", err)
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownHosts, scan, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"ed25519 pin": {HostKey: strings.TrimSpace(string(pub))},
		"known_hosts": {KnownHostsFile: knownHosts},
	} {
		cfg.PrivateKey, cfg.Nodes = string(key), map[string]string{"node": addr}
		r, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		res, err := r.Run(ctx, "node", "echo verified", nil)
		cancel()
		r.Close()
		if err != nil || res.Stdout != "verified\n" {
			t.Errorf("%s: %+v %v", name, res, err)
		}
	}
	// A wrong pin of the same type is still a mismatch.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherSigner, _ := ssh.NewSignerFromKey(other)
	otherPin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(otherSigner.PublicKey())))
	r, _ := New(Config{PrivateKey: string(key), HostKey: otherPin, Nodes: map[string]string{"node": addr}})
	defer r.Close()
	_, err = r.Run(context.Background(), "node", "true", nil)
	var hostKeyErr *HostKeyError
	if !errors.As(err, &hostKeyErr) || hostKeyErr.Problem != HostKeyMismatch || !strings.Contains(err.Error(), "does not match the pinned host key") {
		t.Errorf("wrong pin: %v", err)
	}
}

// TestRealOpenSSHKnownByNodeName: OpenSSH's sshd with its three host key
// types, reached by a node name that is not its address; the known_hosts
// file has the node's Ed25519 key under the name alone, hashed as
// ssh-keygen -H writes it, and an ECDSA entry under the address that holds
// another ECDSA key. Only the name's entry has the key's type, so it
// decides, as in OpenSSH: verified. Without the name's entry, the
// address's ECDSA entry makes the ECDSA key a changed key.
func TestRealOpenSSHKnownByNodeName(t *testing.T) {
	addr, dir, key := realSSHD(t)
	pub, err := os.ReadFile(filepath.Join(dir, "ssh_host_ed25519_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	otherECDSA := filepath.Join(dir, "other_ecdsa")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", otherECDSA).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	otherPub, _ := os.ReadFile(otherECDSA + ".pub")
	fields := strings.Fields(string(pub))
	knownHosts := filepath.Join(dir, "known_hosts")
	lines := "[pvenode]:" + port + " " + fields[0] + " " + fields[1] + "\n" +
		"[" + host + "]:" + port + " " + strings.Join(strings.Fields(string(otherPub))[:2], " ") + "\n"
	if err := os.WriteFile(knownHosts, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-H", "-f", knownHosts).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -H: %v %s", err, out)
	}
	if hashed, _ := os.ReadFile(knownHosts); strings.Contains(string(hashed), "pvenode") {
		t.Fatalf("known_hosts not hashed: %s", hashed)
	}
	run := func() error {
		r, err := New(Config{PrivateKey: string(key), KnownHostsFile: knownHosts, Nodes: map[string]string{"pvenode": addr}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := r.Run(ctx, "pvenode", "echo verified", nil)
		if err == nil && res.Stdout != "verified\n" {
			t.Errorf("output %q", res.Stdout)
		}
		return err
	}
	if err := run(); err != nil {
		t.Errorf("known by its name: %v", err)
	}
	// Only the address's ECDSA entry, with another key.
	keep := "[" + host + "]:" + port + " " + strings.Join(strings.Fields(string(otherPub))[:2], " ") + "\n"
	if err := os.WriteFile(knownHosts, []byte(keep), 0o600); err != nil {
		t.Fatal(err)
	}
	var hostKeyErr *HostKeyError
	if err := run(); !errors.As(err, &hostKeyErr) || hostKeyErr.Problem != HostKeyChanged || !strings.Contains(err.Error(), "entry ["+host+"]:"+port) {
		t.Errorf("a stale entry under the address: %v", err)
	}
}
