package nodeshell

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// silentNode accepts TCP connections and never says a word, as a node whose
// sshd hangs does.
func silentNode(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// deafNode completes the SSH handshake and then never answers a request to
// open a session.
func deafNode(t *testing.T) (addr, hostKey string) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(key)
	cfg := &ssh.ServerConfig{PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil }}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				sc, _, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				t.Cleanup(func() { sc.Close() })
				go ssh.DiscardRequests(reqs)
				// The channel requests are never read: opening a session waits.
			}()
		}
	}()
	return ln.Addr().String(), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}

// TestStalledNodeGivesUpWithinTheContext: a node that accepts TCP and never
// speaks costs a caller no more than its context, and holds up no command on
// another node.
func TestStalledNodeGivesUpWithinTheContext(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	nodes := map[string]string{"stalled": silentNode(t), "pve1": info.SSHNodes["pve1"]}
	r, err := New(Config{Password: "node-pass", InsecureIgnoreHostKey: true, Nodes: nodes, DialTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stalled := make(chan error, 2)
	start := time.Now()
	for i := 0; i < 2; i++ { // the second caller waits for the first's dial, and gives up too
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := r.Run(ctx, "stalled", "true", nil)
			stalled <- err
		}()
	}
	time.Sleep(100 * time.Millisecond)
	other := time.Now()
	if res, err := r.Run(context.Background(), "pve1", "hostname", nil); err != nil || res.Stdout != "pve1\n" {
		t.Fatalf("another node: %+v %v", res, err)
	}
	if d := time.Since(other); d > 500*time.Millisecond {
		t.Errorf("a command on another node waited %s for the stalled one", d)
	}
	for i := 0; i < 2; i++ {
		if err := <-stalled; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stalled node: %v", err)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stalled node held its callers %s, past their 1 s context", d)
	}
}

// TestHandshakeHasADeadline: without any context deadline, DialTimeout
// bounds the handshake.
func TestHandshakeHasADeadline(t *testing.T) {
	r, err := New(Config{Password: "x", InsecureIgnoreHostKey: true, Nodes: map[string]string{"n": silentNode(t)}, DialTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.Run(context.Background(), "n", "true", nil)
	if err == nil || !strings.Contains(err.Error(), "no SSH handshake within 300ms") {
		t.Errorf("error: %v", err)
	}
	// Run reconnects once after a failed connection, so two handshakes.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestSessionOpenHonoursTheContext: a node that shook hands but never opens
// the session does not hold the caller past its context.
func TestSessionOpenHonoursTheContext(t *testing.T) {
	addr, hostKey := deafNode(t)
	r, err := New(Config{Password: "x", HostKey: hostKey, Nodes: map[string]string{"deaf": addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := r.Run(ctx, "deaf", "true", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("session open held the caller %s", d)
	}
	// The same for Interact, which the allocation store's lock uses.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel2()
	if _, err := r.Interact(ctx2, "deaf", "true", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Interact: %v", err)
	}
}

// TestKeepaliveDropsADeadConnection: a connection whose node stops
// answering is dropped, so the next command dials again.
func TestKeepaliveDropsADeadConnection(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	r, _ := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes, KeepaliveInterval: 50 * time.Millisecond})
	defer r.Close()
	if _, err := r.Run(context.Background(), "pve1", "true", nil); err != nil {
		t.Fatal(err)
	}
	nc := r.nodeConn("pve1")
	first := nc.current()
	first.Close() // as a dead network would
	deadline := time.Now().Add(2 * time.Second)
	for nc.current() != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if nc.current() != nil {
		t.Fatal("the dead connection was kept")
	}
	if res, err := r.Run(context.Background(), "pve1", "hostname", nil); err != nil || res.Stdout != "pve1\n" {
		t.Errorf("after the drop: %+v %v", res, err)
	}
}

// TestAgentConnectionIsClosedAfterTheHandshake: each connection to a node
// asks ssh-agent for its keys over a socket of its own, closed once the
// handshake is done.
func TestAgentConnectionIsClosedAfterTheHandshake(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	key, err := ssh.ParseRawPrivateKey([]byte(info.SSHPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var open, served atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			open.Add(1)
			served.Add(1)
			go func() { _ = agent.ServeAgent(keyring, c); open.Add(-1) }()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	r, err := New(Config{Agent: true, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, node := range []string{"pve1", "pve2", "pve3"} {
		if res, err := r.Run(context.Background(), node, "hostname", nil); err != nil || res.Stdout != node+"\n" {
			t.Fatalf("%s: %+v %v", node, res, err)
		}
	}
	deadline := time.Now().Add(time.Second)
	for open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if open.Load() != 0 || served.Load() != 3 {
		t.Errorf("agent connections: %d open of %d", open.Load(), served.Load())
	}
}
