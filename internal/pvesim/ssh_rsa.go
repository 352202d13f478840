package pvesim

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// A PVE node has ECDSA, Ed25519 and RSA host keys, and its cluster lists
// the RSA one: pvecm updatecerts writes /etc/pve/nodes/<node>/ssh_known_hosts
// as "<node> ssh-rsa <key>" (pve-cluster src/PVE/Cluster/Setup.pm
// ssh_create_node_known_hosts), which PVE's own SSH between nodes uses with
// HostKeyAlias=<node>. The simulator's nodes present an Ed25519 and an RSA
// key, and keep that file.

// rsaHostKeyOnce makes one RSA host key per process for simulators without
// one in their state: 2048-bit RSA takes a while, and tests start many.
var rsaHostKeyOnce = sync.OnceValues(func() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(block)), nil
})

// rsaHostSigner is the nodes' RSA host key, made at the first start and
// kept in the state from then on.
func (s *Simulator) rsaHostSigner() (ssh.Signer, error) {
	if s.sec.SSHHostRSAKeyPEM == "" {
		pemText, err := rsaHostKeyOnce()
		if err != nil {
			return nil, fmt.Errorf("SSH RSA host key: %w", err)
		}
		s.sec.SSHHostRSAKeyPEM = pemText
	}
	signer, err := ssh.ParsePrivateKey([]byte(s.sec.SSHHostRSAKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("SSH RSA host key: %w", err)
	}
	return signer, nil
}

// writeNodeKnownHosts writes each node's ssh_known_hosts as pvecm
// updatecerts does at boot: the node's name and its RSA key, no newline.
func (s *Simulator) writeNodeKnownHosts(key ssh.PublicKey) {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	for _, n := range s.nodes {
		_ = s.cfs.WriteFile("/nodes/"+n.Name+"/ssh_known_hosts", []byte(n.Name+" "+line), 0o640)
	}
}
