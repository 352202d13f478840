package nodeshell

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// freePortOn is a TCP port free on ip now.
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port //nolint:forcetypeassert // a TCP listener
}

func publicKeyLine(t *testing.T, key ssh.PublicKey) string {
	t.Helper()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// TestKnownHostsByNodeNameAndAddress runs a cluster whose nodes have names
// of their own and their own loopback addresses, with SSH on one port, as a
// real cluster: no Config.Nodes, so each address comes from /cluster/status.
// A node is looked up in known_hosts under its name and its address, as
// OpenSSH does with HostKeyAlias and CheckHostIP: either entry verifies, an
// entry of the key's type holding another key is a changed key even when
// the other entry matches, an entry of another key type is no verdict, and
// neither entry is an error naming both, with what to add.
func TestKnownHostsByNodeNameAndAddress(t *testing.T) {
	port := freePortOn(t, "127.0.0.2")
	sim := pvesimtest.Start(t, pvesim.Options{PVEVersion: "9.1", NodeNames: []string{"alpha", "beta"},
		NodeAddresses: []string{"127.0.0.2", "127.0.0.3"}, SSHListen: fmt.Sprintf("127.0.0.1:%d", port)})
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	rightKey := info.SSHHostKey
	other, _ := ssh.NewSignerFromKey(mustKey(t))
	wrongKey := publicKeyLine(t, other.PublicKey())
	// The nodes have Ed25519 and RSA keys, no ECDSA one.
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecSigner, _ := ssh.NewSignerFromKey(ecKey)
	ecLine := publicKeyLine(t, ecSigner.PublicKey())
	// What the error's advice prints on a node: each node's name and its
	// RSA key, as pvecm updatecerts writes them.
	var cluster, stderr strings.Builder
	code, err := sim.RunOnNode(context.Background(), "alpha", clusterKnownHostsCommand(fmt.Sprint(port)), nil, &cluster, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("the cluster's known hosts: %d %v %s", code, err, stderr.String())
	}
	byName := fmt.Sprintf("[beta]:%d", port)
	byAddr := fmt.Sprintf("[127.0.0.3]:%d", port)
	for _, c := range []struct {
		name, knownHosts string
		problem          HostKeyProblem // -1: verifies
		message          []string
	}{
		{"name only", byName + " " + rightKey, -1, nil},
		{"the cluster's own list", cluster.String(), -1, nil},
		{"address only", byAddr + " " + rightKey, -1, nil},
		{"both", byName + " " + rightKey + "\n" + byAddr + " " + rightKey, -1, nil},
		{"another key type under the name", byName + " " + ecLine + "\n" + byAddr + " " + rightKey, -1, nil},
		{"neither", "[gamma]:1 " + rightKey, HostKeyUnknown, []string{
			"neither under the node's name (" + byName + ") nor under its address (" + byAddr + ")",
			fmt.Sprintf("ssh-keyscan -H -p %d beta 127.0.0.3 >> ", port), "/etc/pve/nodes/*/ssh_known_hosts", "pvecm updatecerts"}},
		{"stale address", byName + " " + rightKey + "\n" + byAddr + " " + wrongKey, HostKeyChanged, []string{
			"line 2, entry " + byAddr, "someone may be intercepting"}},
		{"stale name", byName + " " + wrongKey + "\n" + byAddr + " " + rightKey, HostKeyChanged, []string{"line 1, entry " + byName}},
	} {
		file := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(file, []byte(c.knownHosts+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := New(Config{PrivateKey: info.SSHPrivateKey, KnownHostsFile: file, Port: port, Resolve: client.NodeAddress})
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(context.Background(), "beta", "hostname", nil)
		r.Close()
		if c.problem == -1 {
			if err != nil || res.Stdout != "beta\n" {
				t.Errorf("%s: %+v %v", c.name, res, err)
			}
			continue
		}
		var hostKeyErr *HostKeyError
		if !errors.As(err, &hostKeyErr) || hostKeyErr.Problem != c.problem || hostKeyErr.Node != "beta" ||
			hostKeyErr.Addr != fmt.Sprintf("127.0.0.3:%d", port) {
			t.Errorf("%s: %#v", c.name, err)
			continue
		}
		for _, want := range append(c.message, file) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", c.name, err.Error(), want)
			}
		}
	}
}
