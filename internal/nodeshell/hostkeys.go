package nodeshell

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys verifies a node's host key, and names the key algorithms to
// negotiate: those of the pinned key or of the node's known_hosts entries.
// Without that, Go's client asks for ECDSA first, a stock PVE node (which
// has ECDSA, Ed25519 and RSA keys) presents its ECDSA key, and a correct
// Ed25519 pin or an OpenSSH-written known_hosts line reads as a mismatch.
type hostKeys struct {
	callback   func(node, addr string) ssh.HostKeyCallback
	algorithms func(node, addr string) []string
}

func newHostKeys(cfg Config) (*hostKeys, error) {
	switch {
	case cfg.InsecureIgnoreHostKey:
		insecure := ssh.InsecureIgnoreHostKey() //nolint:gosec // the user set insecure_ignore_host_key = true
		return &hostKeys{
			callback:   func(string, string) ssh.HostKeyCallback { return insecure },
			algorithms: func(string, string) []string { return nil },
		}, nil
	case cfg.HostKey != "":
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(cfg.HostKey))
		if err != nil {
			return nil, &ConfigError{Field: "HostKey", Err: fmt.Errorf("the host key does not parse: %w", err)}
		}
		algos := []string{key.Type()}
		if key.Type() == ssh.KeyAlgoRSA {
			algos = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
		return &hostKeys{
			callback:   func(string, string) ssh.HostKeyCallback { return ssh.FixedHostKey(key) },
			algorithms: func(string, string) []string { return algos },
		}, nil
	}
	file, err := knownHostsPath(cfg.KnownHostsFile)
	if err != nil {
		return nil, err
	}
	db, err := knownhosts.NewDB(file)
	if err != nil {
		return nil, &ConfigError{Field: "KnownHostsFile", Err: fmt.Errorf("reading known hosts %s: %w", file, err)}
	}
	return knownHostsKeys(db, file), nil
}

func knownHostsPath(file string) (string, error) {
	if file != "" && !strings.HasPrefix(file, "~/") {
		return file, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding ~/.ssh/known_hosts: %w", err)
	}
	if file == "" {
		return filepath.Join(home, ".ssh", "known_hosts"), nil
	}
	return filepath.Join(home, file[2:]), nil
}

// knownHostsKeys looks a node up in known_hosts under its name and under its
// address, as OpenSSH does with HostKeyAlias=<node> and CheckHostIP=yes:
// PVE lists its nodes by name (pvecm updatecerts writes
// /etc/pve/nodes/<node>/ssh_known_hosts, and PVE's own SSH uses
// HostKeyAlias), while ssh-keyscan and an admin's first login record the
// address:
//   - the key is accepted when an entry under either matches it;
//   - an entry of the key's type under either that holds another key is a
//     changed key and an error, even when the other entry matches (OpenSSH
//     warns and refuses where the entries disagree: one of them is stale or
//     forged);
//   - entries of other key types are no verdict (OpenSSH looks keys up by
//     type), so the algorithms offered are those of both names' entries.
func knownHostsKeys(db *knownhosts.HostKeyDB, file string) *hostKeys {
	check := db.HostKeyCallback()
	return &hostKeys{
		callback: func(node, addr string) ssh.HostKeyCallback {
			return func(_ string, remote net.Addr, key ssh.PublicKey) error {
				return checkNames(check, file, node, addr, remote, key)
			}
		},
		algorithms: func(node, addr string) []string {
			var algos []string
			for _, name := range lookupNames(node, addr) {
				for _, a := range db.HostKeyAlgorithms(name) {
					if !contains(algos, a) {
						algos = append(algos, a)
					}
				}
			}
			return algos
		},
	}
}

// lookupNames are the host:port names a node is looked up under: its name,
// then its address (once when they are the same).
func lookupNames(node, addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []string{addr}
	}
	byName := net.JoinHostPort(node, port)
	if host == node {
		return []string{byName}
	}
	return []string{byName, addr}
}

func checkNames(check ssh.HostKeyCallback, file, node, addr string, remote net.Addr, key ssh.PublicKey) error {
	names := lookupNames(node, addr)
	entries := make([]string, len(names))
	matched := false
	for i, name := range names {
		entries[i] = knownhosts.Normalize(name)
		err := check(name, remote, key)
		var keyErr *xknownhosts.KeyError
		switch {
		case err == nil:
			matched = true
		case errors.As(err, &keyErr):
			for _, want := range keyErr.Want {
				if want.Key.Type() == key.Type() {
					return &HostKeyError{Node: node, Addr: addr, Problem: HostKeyChanged, File: want.Filename, Line: want.Line,
						Entries: []string{entries[i]}, Err: err}
				}
			}
		default:
			return fmt.Errorf("ssh to node %s (%s): known hosts entry %s: %w", node, addr, entries[i], err)
		}
	}
	if matched {
		return nil
	}
	return &HostKeyError{Node: node, Addr: addr, Problem: HostKeyUnknown, File: file, Entries: entries,
		Err: &xknownhosts.KeyError{}}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
