package pvesim

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestNodeKnownHostsIsTheRSAKey follows pvecm updatecerts
// (pve-cluster src/PVE/Cluster/Setup.pm ssh_create_node_known_hosts): each
// node's /etc/pve/nodes/<node>/ssh_known_hosts is "<node> ssh-rsa <key>"
// without a newline, and the node presents that RSA key to a client that
// asks for RSA, besides its Ed25519 key.
func TestNodeKnownHostsIsTheRSAKey(t *testing.T) {
	sim := startSim(t, Options{})
	code, out, _ := sshRun(t, sim, "pve1", "cat /etc/pve/nodes/pve2/ssh_known_hosts", "")
	name, keyText, ok := strings.Cut(out, " ")
	if code != 0 || !ok || name != "pve2" || !strings.HasPrefix(keyText, "ssh-rsa ") || strings.HasSuffix(out, "\n") {
		t.Fatalf("ssh_known_hosts: %d %q", code, out)
	}
	known, _, _, _, err := ssh.ParseAuthorizedKey([]byte(keyText))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.ParsePrivateKey([]byte(sim.Info().SSHPrivateKey))
	client, err := ssh.Dial("tcp", sim.Info().SSHNodes["pve2"], &ssh.ClientConfig{
		User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: 10 * time.Second,
		HostKeyCallback: ssh.FixedHostKey(known), HostKeyAlgorithms: []string{ssh.KeyAlgoRSASHA512},
	})
	if err != nil {
		t.Fatalf("the node's RSA key: %v", err)
	}
	client.Close()
}
